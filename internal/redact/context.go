package redact

import "context"

type ctxKey struct{}

// NewContext returns ctx carrying rd, the redaction of the run whose
// request ctx is the context of: a transport that wraps the executor's (a
// tracer's) redacts what it reports with FromContext, the one redaction
// every other output goes through. A nil rd returns ctx as it is.
func NewContext(ctx context.Context, rd *Redactor) context.Context {
	if rd == nil {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, rd)
}

// FromContext returns the Redactor NewContext put in ctx, nil (which
// redacts nothing) when there is none.
func FromContext(ctx context.Context) *Redactor {
	rd, _ := ctx.Value(ctxKey{}).(*Redactor)
	return rd
}
