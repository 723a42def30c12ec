package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Receiver is a local HTTP server that keeps every request it receives and
// answers each with Status: the far end of a provider's payload test.
type Receiver struct {
	*httptest.Server
	got chan *Request
}

// Request is what a Receiver received.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// JSON decodes the body into a generic map, failing t when it is not a
// JSON object.
func (r *Request) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// NewReceiver starts a Receiver answering status; it is closed at the end
// of the test.
func NewReceiver(t *testing.T, status int) *Receiver {
	t.Helper()
	rv := &Receiver{got: make(chan *Request, 100)}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.got <- &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		w.WriteHeader(status)
	}))
	t.Cleanup(rv.Close)
	return rv
}

// Next returns the next request received, failing t when none comes
// within ten seconds.
func (rv *Receiver) Next(t *testing.T) *Request {
	t.Helper()
	select {
	case r := <-rv.got:
		return r
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the receiver got no request")
		return nil
	}
}

// Pending returns how many requests were received and not yet taken by
// Next.
func (rv *Receiver) Pending() int { return len(rv.got) }
