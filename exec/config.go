package exec

import (
	"crypto/tls"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/smokex/smokex/plan"
)

// DefaultMaxBodySize is how much of a response body a step reads, counted
// after decompression, when Config.MaxBodySize is zero.
const DefaultMaxBodySize = 10 << 20

// Config configures a Runner. The zero value is ready to use.
type Config struct {
	// Client sends the requests. Nil means a client of the Runner's own,
	// with a keep-alive transport tuned for running many steps against few
	// hosts. When given, only its Transport is used (nil meaning
	// http.DefaultTransport): the Runner sets its own redirect policy,
	// cookie jar and timeouts. Give a Client whose Transport serves an
	// http.Handler to run plans in process.
	Client *http.Client
	// MaxBodySize is how many bytes of a response body a step reads, counted
	// after decompression; a larger body fails the step with kind too_large.
	// Zero or less means DefaultMaxBodySize (10 MiB).
	MaxBodySize int64
	// DefaultTimeout is a step's timeout when its plan sets none. It covers
	// the whole request, body read included. Zero or less means
	// plan.DefaultTimeout (5s).
	DefaultTimeout time.Duration
	// Retry is the backoff between retries of a step whose plan asks for
	// them. Its zero value is the default policy: DefaultRetryBase,
	// DefaultRetryMax, DefaultRetryJitter.
	Retry RetryPolicy
	// Logger receives debug records of each step. Defaults to
	// slog.Default().
	Logger *slog.Logger
	// WrapTransport, when set, wraps the transport every request is sent
	// through (the insecure copy too), once: a tracer opens a span per
	// request and sends the trace context to the target. The requests carry
	// the step's context (see record.StepHook) and the run's redaction
	// of its secrets, which smokex's own tracers (metrics/otel) apply to
	// every attribute, event and status of their spans. Nil sends through
	// the transport as it is.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Defaults of RetryPolicy.
const (
	DefaultRetryBase   = 100 * time.Millisecond
	DefaultRetryMax    = 2 * time.Second
	DefaultRetryJitter = 0.2
)

// RetryPolicy is a capped exponential backoff: the wait before retry n
// (1-based) is Base * 2^(n-1), at most Max, then spread by Jitter. Retries
// happen only on connection failures (dns, connect, a connection reset or
// closed before the response) and timeouts; a response, whatever its
// status, is never retried.
type RetryPolicy struct {
	// Base is the wait before the first retry. Defaults to DefaultRetryBase
	// (100ms).
	Base time.Duration
	// Max caps the wait. Defaults to DefaultRetryMax (2s).
	Max time.Duration
	// Jitter spreads each wait uniformly by up to this fraction either way,
	// so that many runners do not retry in step. Zero defaults to
	// DefaultRetryJitter (0.2); a negative value means no jitter.
	Jitter float64
}

// Delay returns the wait before retry n (1-based).
func (p RetryPolicy) Delay(n int) time.Duration {
	p = p.withDefaults()
	if n < 1 {
		n = 1
	}
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if p.Jitter > 0 {
		f := 1 + p.Jitter*(2*rand.Float64()-1)
		d = time.Duration(float64(d) * f)
	}
	return max(d, 0)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Base <= 0 {
		p.Base = DefaultRetryBase
	}
	if p.Max <= 0 {
		p.Max = DefaultRetryMax
	}
	if p.Max < p.Base {
		p.Max = p.Base
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultRetryJitter
	}
	if p.Jitter > 1 {
		p.Jitter = 1
	}
	return p
}

// Runner runs plans. It is safe for concurrent use; build one and reuse it,
// so that connections are kept alive across steps and executions.
type Runner struct {
	transport    http.RoundTripper
	ownTransport bool
	// wrap is Config.WrapTransport; sending is transport wrapped in it,
	// what requests go through.
	wrap    func(http.RoundTripper) http.RoundTripper
	sending http.RoundTripper
	// insecure is the transport for steps with insecure: true, made on
	// first use, and insecureSending it wrapped.
	insecureMu      sync.Mutex
	insecure        http.RoundTripper
	insecureSending http.RoundTripper
	insecureOwn     bool // insecure is a copy the Runner made
	maxBody         int64
	timeout         time.Duration
	retry           RetryPolicy
	logger          *slog.Logger
	selectors       selectorCache
	buffers         sync.Pool
	// warned holds the "plan\x00secret" keys of the short secrets already
	// warned about, so that a scheduled plan warns once, not every run.
	warned sync.Map
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	r := &Runner{
		maxBody: cfg.MaxBodySize,
		timeout: cfg.DefaultTimeout,
		retry:   cfg.Retry.withDefaults(),
		logger:  cfg.Logger,
	}
	if r.maxBody <= 0 {
		r.maxBody = DefaultMaxBodySize
	}
	if r.timeout <= 0 {
		r.timeout = plan.DefaultTimeout
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	switch {
	case cfg.Client == nil:
		r.transport = newTransport()
		r.ownTransport = true
	case cfg.Client.Transport == nil:
		r.transport = http.DefaultTransport
	default:
		r.transport = cfg.Client.Transport
	}
	r.wrap = cfg.WrapTransport
	r.sending = r.wrapped(r.transport)
	return r
}

// wrapped returns rt wrapped in Config.WrapTransport.
func (r *Runner) wrapped(rt http.RoundTripper) http.RoundTripper {
	if r.wrap == nil {
		return rt
	}
	return r.wrap(rt)
}

// newTransport is a keep-alive transport for many requests to few hosts,
// from many executions at once: it keeps up to 64 idle connections per host,
// so that concurrent plans against one service do not dial for every step.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// insecureTransport returns the transport for steps that skip TLS
// verification: a copy of the Runner's *http.Transport that does not verify,
// or the Runner's transport itself when it is not an *http.Transport (an
// in-process transport has no TLS to verify); wrapped in
// Config.WrapTransport.
func (r *Runner) insecureTransport() http.RoundTripper {
	r.insecureMu.Lock()
	defer r.insecureMu.Unlock()
	if r.insecureSending != nil {
		return r.insecureSending
	}
	t, ok := r.transport.(*http.Transport)
	if !ok {
		r.insecure, r.insecureSending = r.transport, r.sending
		return r.insecureSending
	}
	c := t.Clone()
	if c.TLSClientConfig == nil {
		c.TLSClientConfig = &tls.Config{}
	}
	c.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the plan asked for it with insecure: true
	r.insecure, r.insecureOwn = c, true
	r.insecureSending = r.wrapped(c)
	return r.insecureSending
}

// CloseIdleConnections closes the idle keep-alive connections of the
// transports the Runner made itself. A Runner given a Client leaves that
// client's transport alone but closes the insecure copy it made of it.
func (r *Runner) CloseIdleConnections() {
	type idleCloser interface{ CloseIdleConnections() }
	if r.ownTransport {
		if c, ok := r.transport.(idleCloser); ok {
			c.CloseIdleConnections()
		}
	}
	r.insecureMu.Lock()
	insecure, own := r.insecure, r.insecureOwn
	r.insecureMu.Unlock()
	if own {
		if c, ok := insecure.(idleCloser); ok {
			c.CloseIdleConnections()
		}
	}
}
