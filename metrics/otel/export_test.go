package otel

import (
	"net/url"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

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

// StartAttributes returns the attributes that the start options of a
// request's span give when the transport has attrs for it, filled in the
// pooled array as the transport fills it or, with own, in a slice of
// their own.
func StartAttributes(own bool, attrs ...attribute.KeyValue) []attribute.KeyValue {
	a := getStartArgs()
	defer a.release()
	given := attrs
	if !own {
		given = append(a.attrs[:0], attrs...)
	}
	cfg := trace.NewSpanStartConfig(a.options(trace.WithSpanKind(trace.SpanKindClient), given)...)
	return cfg.Attributes()
}
