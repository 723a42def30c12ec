package memory

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// copyPlan returns a deep copy of p.
func copyPlan(p *storage.Plan) *storage.Plan {
	c := *p
	c.Labels = maps.Clone(p.Labels)
	c.Source = slices.Clone(p.Source)
	if p.Files != nil {
		c.Files = make(map[string][]byte, len(p.Files))
		for k, v := range p.Files {
			c.Files[k] = slices.Clone(v)
		}
	}
	return &c
}

// copyExecution returns a deep copy of e without its steps.
func copyExecution(e *record.Execution) *record.Execution {
	c := *e
	c.Steps = nil
	c.Error = copyStepError(e.Error)
	return &c
}

// copyStepError returns a copy of err.
func copyStepError(err *record.StepError) *record.StepError {
	if err == nil {
		return nil
	}
	c := *err
	return &c
}

// copyHeaders returns a deep copy of h.
func copyHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return nil
	}
	c := make(map[string][]string, len(h))
	for k, v := range h {
		c[k] = slices.Clone(v)
	}
	return c
}

// copyStep returns a deep copy of r, sharing only its Captures.
func copyStep(r *record.StepResult) record.StepResult {
	c := *r
	if r.Request != nil {
		req := *r.Request
		req.Headers = copyHeaders(r.Request.Headers)
		c.Request = &req
	}
	if r.Response != nil {
		resp := *r.Response
		resp.Headers = copyHeaders(r.Response.Headers)
		c.Response = &resp
	}
	if r.TLS != nil {
		t := *r.TLS
		if t.Certificate != nil {
			cert := *t.Certificate
			cert.DNSNames = slices.Clone(cert.DNSNames)
			t.Certificate = &cert
		}
		c.TLS = &t
	}
	c.Failures = slices.Clone(r.Failures)
	c.Error = copyStepError(r.Error)
	return c
}

// copyStepIn returns a deep copy of r to store, its Captures made
// JSON-typed as a database would return them. It fails when the captures
// cannot be encoded as JSON.
func copyStepIn(r *record.StepResult) (record.StepResult, error) {
	c := copyStep(r)
	if len(r.Captures) > 0 {
		b, err := json.Marshal(r.Captures)
		if err != nil {
			return record.StepResult{}, err
		}
		c.Captures = nil
		if err := json.Unmarshal(b, &c.Captures); err != nil {
			return record.StepResult{}, err
		}
	}
	return c, nil
}

// copyStepOut returns a deep copy of a stored step.
func copyStepOut(r *record.StepResult) record.StepResult {
	c := copyStep(r)
	if r.Captures != nil {
		c.Captures = copyJSON(r.Captures).(map[string]any)
	}
	return c
}

// copyJSON returns a deep copy of a value decoded by encoding/json.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, x := range v {
			c[k] = copyJSON(x)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = copyJSON(x)
		}
		return c
	default:
		return v
	}
}
