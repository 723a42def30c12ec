package otel

import "net/url"

// FullURL exposes fullURL to the tests.
func FullURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return fullURL(u)
}
