package exec

import (
	"crypto/tls"
	"net/http/httptrace"
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
}

func (m *marks) reset() {
	for _, a := range []*atomic.Int64{&m.dnsStart, &m.dnsDone, &m.connStart, &m.connDone, &m.tlsStart, &m.tlsDone, &m.firstByte} {
		a.Store(0)
	}
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
