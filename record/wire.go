package record

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"time"
)

// Millis is d in the wire format's milliseconds, with microseconds as
// decimals.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// fromMillis is the inverse of Millis, to the microsecond.
func fromMillis(ms float64) time.Duration {
	return time.Duration(math.Round(ms*1000)) * time.Microsecond
}

// executionFields is Execution without its methods, so that the wire
// types embed its fields and their tags, and UnmarshalJSON decodes into it.
type executionFields Execution

// executionHead is what the wire format has of an execution before its
// steps.
type executionHead struct {
	PlanID string `json:"plan"`
	// File is the CLI report's: see WithFile.
	File       string     `json:"file,omitempty"`
	Status     Status     `json:"status"`
	StopReason StopReason `json:"stop_reason,omitempty"`
	StartedAt  time.Time  `json:"started_at,omitzero"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
	DurationMS float64    `json:"duration_ms"`
}

// executionTail is what the wire format has of an execution after its
// steps: the error, then every other field of Execution under its tag.
// The fields written before the steps, and the steps, are shadowed by
// fields of the same JSON names that are never written.
type executionTail struct {
	Error      *StepError `json:"error"`
	PlanID     omitted    `json:"plan,omitzero"`
	Status     omitted    `json:"status,omitzero"`
	StopReason omitted    `json:"stop_reason,omitzero"`
	StartedAt  omitted    `json:"started_at,omitzero"`
	FinishedAt omitted    `json:"finished_at,omitzero"`
	Steps      omitted    `json:"steps,omitzero"`
	executionFields
}

// omitted is a field that is never written (it is always zero): it
// shadows a field of the same JSON name embedded beside it.
type omitted struct{}

// MarshalJSON encodes e in the wire format. Execution, StepResult and
// Timings encode to JSON here,
// once, for every reader: the CLI's -o json, the stored step documents of
// storage backends, the admin API and webhook payloads. What it adds to the
// struct tags:
//
//   - durations are milliseconds, with microseconds as decimals, under names
//     ending in _ms ("duration_ms", "total_ms"), never nanoseconds;
//   - an execution carries "duration_ms" (zero while running) and a step
//     "status_code" (null when no response was received) and "duration_ms"
//     (its whole time, retries and polls included: StepResult.Total);
//   - "steps" and "failures" are [] rather than null when empty, and "error"
//     is null rather than absent, so that scripts need not test for presence.
//
// The fields the CLI documents come first, in its order; every other field
// of the struct follows under its tag, so that a field added to Execution
// or StepResult is on the wire without a change here. Decoding reverses
// all of it; the derived fields (durations of an execution, a step's
// status_code when its response is there too) are not read back.
// WithFile.WriteJSON writes the same bytes to a writer a step at a time.
func (e Execution) MarshalJSON() ([]byte, error) {
	return WithFile{Execution: &e}.MarshalJSON()
}

// WithFile is an execution with the file its plan was loaded from, as the
// CLI's -o json writes it: the wire format of Execution with "file" after
// "plan" (left out when File is empty).
type WithFile struct {
	Execution *Execution
	File      string
}

// MarshalJSON encodes f in the wire format of its execution, with "file".
func (f WithFile) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	err := f.WriteJSON(&b)
	return b.Bytes(), err
}

// WriteJSON writes f to w as MarshalJSON encodes it, compact and without
// a newline after it, a step at a time: the execution's fields before its
// steps, then each step, then the fields after them, each encoded once
// and written in one Write, so that a report of many steps is never whole
// in memory. Writes to w are of a step each, so w had better be buffered
// when it is a file.
func (f WithFile) WriteJSON(w io.Writer) error {
	e := f.Execution
	var part bytes.Buffer
	enc := json.NewEncoder(&part)
	// write sends what part holds less its last n bytes (the encoder ends
	// each value with a newline), and empties it.
	write := func(n int) error {
		_, err := w.Write(part.Bytes()[:part.Len()-n])
		part.Reset()
		return err
	}
	// The head and the tail are objects of one field or more: the head is
	// written without its closing brace and the tail with a comma for its
	// opening one, the steps between them.
	if err := enc.Encode(&executionHead{
		PlanID: e.PlanID, File: f.File, Status: e.Status, StopReason: e.StopReason,
		StartedAt: e.StartedAt, FinishedAt: e.FinishedAt, DurationMS: Millis(e.Duration()),
	}); err != nil {
		return err
	}
	part.Truncate(part.Len() - len("}\n"))
	part.WriteString(`,"steps":[`)
	var step stepWire
	for i := range e.Steps {
		if i > 0 {
			part.WriteByte(',')
		}
		step = e.Steps[i].wire()
		if err := enc.Encode(&step); err != nil {
			return err
		}
		if err := write(len("\n")); err != nil {
			return err
		}
	}
	part.WriteByte(']')
	tail := executionTail{Error: e.Error, executionFields: executionFields(*e)}
	tail.executionFields.Steps = nil
	brace := part.Len()
	if err := enc.Encode(&tail); err != nil {
		return err
	}
	part.Bytes()[brace] = ','
	return write(len("\n"))
}

// UnmarshalJSON decodes the wire format into e. The wire names of the
// fields Execution has are its tags; "file" and "duration_ms" are not
// read back.
func (e *Execution) UnmarshalJSON(b []byte) error {
	*e = Execution{}
	if err := json.Unmarshal(b, (*executionFields)(e)); err != nil {
		return err
	}
	if len(e.Steps) == 0 {
		e.Steps = nil
	}
	return nil
}

// stepFields is StepResult without its methods.
type stepFields StepResult

// stepWire is a StepResult on the wire. Its type has no MarshalJSON, so
// that an execution encodes its steps in its own pass (see executionWire).
type stepWire struct {
	Index      int        `json:"index"`
	Name       string     `json:"name"`
	Method     string     `json:"method"`
	URL        string     `json:"url"`
	StatusCode *int       `json:"status_code"`
	DurationMS float64    `json:"duration_ms"`
	Attempts   int        `json:"attempts"`
	OK         bool       `json:"ok"`
	Skipped    bool       `json:"skipped"`
	Failures   []Failure  `json:"failures"`
	Error      *StepError `json:"error"`
	stepFields
}

// MarshalJSON encodes r in the wire format.
func (r StepResult) MarshalJSON() ([]byte, error) {
	w := r.wire()
	return json.Marshal(&w)
}

// wire is r ready to encode.
func (r *StepResult) wire() stepWire {
	w := stepWire{
		Index:      r.Index,
		Name:       r.Name,
		Method:     r.Method,
		URL:        r.URL,
		DurationMS: Millis(r.Total()),
		Attempts:   r.Attempts,
		OK:         r.OK,
		Skipped:    r.Skipped,
		Failures:   r.Failures,
		Error:      r.Error,
		stepFields: stepFields(*r),
	}
	if r.Response != nil {
		code := r.Response.StatusCode
		w.StatusCode = &code
	}
	if w.Failures == nil {
		w.Failures = []Failure{}
	}
	return w
}

// UnmarshalJSON decodes the wire format into r. A document with a
// status_code and no response gets a Response with that code, and one with
// a duration_ms and no timings a Timings.Total of it.
func (r *StepResult) UnmarshalJSON(b []byte) error {
	var w stepWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = StepResult(w.stepFields)
	r.Index, r.Name, r.Method, r.URL = w.Index, w.Name, w.Method, w.URL
	r.Attempts, r.OK, r.Skipped, r.Error = w.Attempts, w.OK, w.Skipped, w.Error
	r.Failures = w.Failures
	if len(r.Failures) == 0 {
		r.Failures = nil
	}
	if r.Response == nil && w.StatusCode != nil {
		r.Response = &Response{StatusCode: *w.StatusCode}
	}
	if r.Timings == (Timings{}) && w.DurationMS != 0 {
		r.Timings.Total = fromMillis(w.DurationMS)
	}
	if d := fromMillis(w.DurationMS); d != r.Timings.Total {
		r.Duration = d
	}
	return nil
}

// attemptFields is Attempt without its methods.
type attemptFields Attempt

// attemptWire is an Attempt on the wire.
type attemptWire struct {
	DurationMS float64 `json:"duration_ms"`
	attemptFields
}

// MarshalJSON encodes a in the wire format, its duration as duration_ms.
func (a Attempt) MarshalJSON() ([]byte, error) {
	return json.Marshal(attemptWire{DurationMS: Millis(a.Duration), attemptFields: attemptFields(a)})
}

// UnmarshalJSON decodes the wire format into a.
func (a *Attempt) UnmarshalJSON(b []byte) error {
	var w attemptWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Attempt(w.attemptFields)
	a.Duration = fromMillis(w.DurationMS)
	return nil
}

// timingsWire is Timings on the wire.
type timingsWire struct {
	DNS       float64 `json:"dns_ms"`
	Connect   float64 `json:"connect_ms"`
	TLS       float64 `json:"tls_ms"`
	FirstByte float64 `json:"first_byte_ms"`
	Total     float64 `json:"total_ms"`
}

// legacyTimings are the nanosecond fields step documents had before the
// wire format, still read so that results stored then stay readable.
type legacyTimings struct {
	DNS       *time.Duration `json:"dns"`
	Connect   *time.Duration `json:"connect"`
	TLS       *time.Duration `json:"tls"`
	FirstByte *time.Duration `json:"first_byte"`
	Total     *time.Duration `json:"total"`
}

// MarshalJSON encodes t in milliseconds: dns_ms, connect_ms, tls_ms,
// first_byte_ms, total_ms.
func (t Timings) MarshalJSON() ([]byte, error) {
	return json.Marshal(timingsWire{
		DNS:       Millis(t.DNS),
		Connect:   Millis(t.Connect),
		TLS:       Millis(t.TLS),
		FirstByte: Millis(t.FirstByte),
		Total:     Millis(t.Total),
	})
}

// UnmarshalJSON decodes milliseconds, and the nanoseconds of documents
// stored before the wire format (dns, connect, tls, first_byte, total).
func (t *Timings) UnmarshalJSON(b []byte) error {
	var w struct {
		timingsWire
		legacyTimings
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Timings{
		DNS:       pick(w.legacyTimings.DNS, w.timingsWire.DNS),
		Connect:   pick(w.legacyTimings.Connect, w.timingsWire.Connect),
		TLS:       pick(w.legacyTimings.TLS, w.timingsWire.TLS),
		FirstByte: pick(w.legacyTimings.FirstByte, w.timingsWire.FirstByte),
		Total:     pick(w.legacyTimings.Total, w.timingsWire.Total),
	}
	return nil
}

// pick is the legacy nanoseconds when a document has them, else ms.
func pick(ns *time.Duration, ms float64) time.Duration {
	if ns != nil && ms == 0 {
		return *ns
	}
	return fromMillis(ms)
}
