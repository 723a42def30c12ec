package exec

import (
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex/record"
)

// marks are the moments of one attempt, in nanoseconds since the run's
// base time, zero when they did not happen. Transport callbacks may fire on
// other goroutines (and late, for an abandoned attempt), hence atomics.
type marks struct {
	dnsStart, dnsDone   atomic.Int64
	connStart, connDone atomic.Int64
	tlsStart, tlsDone   atomic.Int64
	firstByte           atomic.Int64

	// wire holds the header fields the transport wrote for the last
	// request of the attempt, with what the cookie jar and the transport
	// add (Cookie, Accept-Encoding), HTTP/2 pseudo-headers left out.
	mu   sync.Mutex
	wire http.Header
}

// wrote takes the header the transport wrote for the attempt's last
// request, nil when it wrote none.
func (m *marks) wrote() http.Header {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.wire
	m.wire = nil
	return h
}

func (m *marks) reset() {
	for _, a := range []*atomic.Int64{&m.dnsStart, &m.dnsDone, &m.connStart, &m.connDone, &m.tlsStart, &m.tlsDone, &m.firstByte} {
		a.Store(0)
	}
	m.wrote()
}

// trace returns a ClientTrace that records into m; made once per run.
func (m *marks) trace(base time.Time) *httptrace.ClientTrace {
	now := func() int64 { return max(int64(time.Since(base)), 1) }
	return &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { m.dnsStart.Store(now()) },
		DNSDone:              func(httptrace.DNSDoneInfo) { m.dnsDone.Store(now()) },
		ConnectStart:         func(string, string) { m.connStart.Store(now()) },
		ConnectDone:          func(string, string, error) { m.connDone.Store(now()) },
		TLSHandshakeStart:    func() { m.tlsStart.Store(now()) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { m.tlsDone.Store(now()) },
		GotFirstResponseByte: func() { m.firstByte.Store(now()) },
		// Each request (a redirect's too) gets a connection first: what
		// is kept is the last request's header.
		GetConn: func(string) {
			m.mu.Lock()
			m.wire = nil
			m.mu.Unlock()
		},
		WroteHeaderField: func(key string, value []string) {
			if strings.HasPrefix(key, ":") {
				return
			}
			m.mu.Lock()
			if m.wire == nil {
				m.wire = make(http.Header, 8)
			}
			// The transport passes the values of the request's header or
			// a slice of its own, neither changed afterwards: they are
			// kept as they are, and copied only when a field repeats.
			k := http.CanonicalHeaderKey(key)
			if prev, ok := m.wire[k]; ok {
				m.wire[k] = slices.Concat(prev, value)
			} else {
				m.wire[k] = value
			}
			m.mu.Unlock()
		},
	}
}

func span(from, to *atomic.Int64) time.Duration {
	a, b := from.Load(), to.Load()
	if a == 0 || b < a {
		return 0
	}
	return time.Duration(b - a)
}

// timings turns the marks of an attempt that started at start (since the
// base) and ended at end into Timings.
func (m *marks) timings(start, end int64) record.Timings {
	t := record.Timings{
		DNS:     span(&m.dnsStart, &m.dnsDone),
		Connect: span(&m.connStart, &m.connDone),
		TLS:     span(&m.tlsStart, &m.tlsDone),
		Total:   time.Duration(end - start),
	}
	if fb := m.firstByte.Load(); fb >= start {
		t.FirstByte = time.Duration(fb - start)
	}
	return t
}
