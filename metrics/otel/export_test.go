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
