package otel

import (
	"net/url"

	"github.com/smokex/smokex/internal/redact"
)

// FullURL exposes fullURL to the tests, with a run's secrets.
func FullURL(raw string, secrets ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return fullURL(redact.New(secrets), u)
}

// SpanKeyLearnt reports whether the key trace.ContextWithSpan keeps a
// span under was learnt, so that a step's span is its own context.
func SpanKeyLearnt() bool { return spanKey != nil }

// WithoutSpanKey runs f as if the key had not been learnt: a step's
// context is made by trace.ContextWithSpan. Not for parallel tests.
func WithoutSpanKey(f func()) {
	k := spanKey
	spanKey = nil
	defer func() { spanKey = k }()
	f()
}
