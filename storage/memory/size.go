package memory

import (
	"unsafe"

	"github.com/smokex/smokex/record"
)

// The sizes the budget counts (Config.MaxBytes): a struct's own size plus
// what its strings, slices and maps point to. They are estimates, close
// enough to bound the store's memory, not an account of the allocator's.
const (
	// entryBytes is what an entry of a map or an index costs beyond its
	// key and value.
	entryBytes = 48
	// stringBytes is a string's header.
	stringBytes = int(unsafe.Sizeof(""))
)

// sizeOfExecution is the estimated size of a stored execution without its
// steps, its entries in the store's and its plan's indexes included.
func sizeOfExecution(e *record.Execution) int {
	n := int(unsafe.Sizeof(execRecord{})) + 2*entryBytes +
		len(e.ID) + len(e.PlanID) + len(e.PlanName) + len(e.Trigger) + len(e.Status) +
		len(e.StopReason) + len(e.TraceID) + len(e.Maintenance)
	return n + sizeOfError(e.Error)
}

// sizeOfStep is the estimated size of a stored step result without its
// request, which steps share (sizeOfRequest): its URL string too, when it
// is the request's.
func sizeOfStep(r *record.StepResult) int {
	n := int(unsafe.Sizeof(*r)) + len(r.Name) + len(r.Method) + sizeOfError(r.Error)
	if q := r.Request; q == nil || unsafe.StringData(r.URL) != unsafe.StringData(q.URL) {
		n += len(r.URL)
	}
	if p := r.Response; p != nil {
		n += int(unsafe.Sizeof(*p)) + len(p.Proto) + len(p.Body) + sizeOfHeaders(p.Headers)
	}
	if t := r.TLS; t != nil {
		n += int(unsafe.Sizeof(*t)) + len(t.Version)
		if c := t.Certificate; c != nil {
			n += int(unsafe.Sizeof(*c)) + len(c.Host) + len(c.Subject) + len(c.Issuer)
			for _, name := range c.DNSNames {
				n += stringBytes + len(name)
			}
		}
	}
	for _, a := range r.AttemptLog {
		n += int(unsafe.Sizeof(a)) + sizeOfError(a.Error)
	}
	for _, f := range r.Failures {
		n += int(unsafe.Sizeof(f)) + len(f.Type) + len(f.Name) + len(f.Expected) + len(f.Received)
	}
	for k, v := range r.Captures {
		n += entryBytes + len(k) + sizeOfJSON(v)
	}
	return n
}

// sizeOfRequest is the estimated size of a stored request, counted once
// however many steps share it, its entry in the store's count of them
// included.
func sizeOfRequest(q *record.Request) int {
	return entryBytes + int(unsafe.Sizeof(*q)) + len(q.Method) + len(q.URL) + len(q.Body) + sizeOfHeaders(q.Headers)
}

func sizeOfError(e *record.StepError) int {
	if e == nil {
		return 0
	}
	return int(unsafe.Sizeof(*e)) + len(e.Kind) + len(e.Message)
}

func sizeOfHeaders(h map[string][]string) int {
	n := 0
	for k, vs := range h {
		n += entryBytes + len(k) + int(unsafe.Sizeof(vs))
		for _, v := range vs {
			n += stringBytes + len(v)
		}
	}
	return n
}

// sizeOfJSON is the estimated size of a value decoded by encoding/json.
func sizeOfJSON(v any) int {
	n := 16 // the interface
	switch v := v.(type) {
	case string:
		n += stringBytes + len(v)
	case map[string]any:
		for k, x := range v {
			n += entryBytes + len(k) + sizeOfJSON(x)
		}
	case []any:
		for _, x := range v {
			n += sizeOfJSON(x)
		}
	default:
		n += 8
	}
	return n
}
