package otel

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/metrics"
)

// WrapTransport returns a transport that sends each request through rt in
// an HTTP client span, a child of the span in the request's context (the
// step's), and with the trace context in its headers. With the no-op
// tracer provider it returns rt: metrics need no transport of their own.
func (r *Recorder) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	if !r.tracing {
		return rt
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &transport{base: rt, r: r}
}

type transport struct {
	base http.RoundTripper
	r    *Recorder
}

// redacted stands for each query value in url.full.
const redacted = "REDACTED"

// clientCall is what a request's client span leaves with the request: the
// header sent, with room for the values of the trace context, the
// attributes of the response and the body that ends the span, in the one
// allocation the span costs this package beyond the request's copy and its
// header. It is the propagator's carrier.
type clientCall struct {
	header http.Header
	// values hold the values Set puts in header, each its own slice of
	// one; set is how many are taken.
	values [2]string
	set    int
	// attrs are what the span is given with the response: they live with
	// the span, as the trace API does not promise that a span copies what
	// SetAttributes is given.
	attrs [3]attribute.KeyValue
	body  spanBody
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	parent := trace.SpanFromContext(ctx)
	if !t.r.traces(parent) {
		return t.base.RoundTrip(req)
	}
	method := metrics.Method(req.Method)
	name := method
	if method == metrics.MethodOther {
		name = "HTTP"
	}
	// Every string the span is given goes through the run's redaction, as
	// every other output of the run does.
	rd := redact.FromContext(ctx)
	a := getStartArgs()
	attrs := append(a.attrs[:0],
		semconv.HTTPRequestMethodKey.String(method),
		semconv.URLFull(fullURL(rd, req.URL)),
		semconv.UserAgentSyntheticTypeTest,
	)
	if method == metrics.MethodOther {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(req.Method))
	}
	host, port := hostPort(req.URL)
	attrs = append(attrs, semconv.ServerAddress(host))
	if port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if st, ok := parent.(*stepState); ok {
		if n := st.requests.Add(1) - 1; n > 0 {
			attrs = append(attrs, semconv.HTTPRequestResendCount(int(n)))
		}
	}
	ctx, span := t.r.tracer.Start(ctx, name, a.options(t.r.clientKind, redactAttrs(rd, attrs))...)
	a.release()
	// The request is the caller's: a shallow copy with a header map of its
	// own carries the trace context; the values are shared, as only keys
	// are set.
	c := &clientCall{header: make(http.Header, len(req.Header)+2)}
	for k, v := range req.Header {
		c.header[k] = v
	}
	out := req.WithContext(ctx)
	out.Header = c.header
	t.r.prop.Inject(ctx, c)
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		setError(span, rd, err)
		span.End()
		return resp, err
	}
	attrs = append(c.attrs[:0], semconv.HTTPResponseStatusCode(resp.StatusCode))
	if v, ok := protocolVersion(resp.Proto); ok {
		attrs = append(attrs, semconv.NetworkProtocolVersion(v))
	}
	if resp.StatusCode >= 400 {
		attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
		span.SetStatus(codes.Error, "")
	}
	span.SetAttributes(attrs...)
	if resp.Body == nil || resp.Body == http.NoBody {
		span.End()
		return resp, nil
	}
	c.body = spanBody{ReadCloser: resp.Body, span: span, rd: rd}
	resp.Body = &c.body
	return resp, nil
}

// startArgs holds the attributes of a request's span and the options that
// give them while the tracer starts the span, reused (getStartArgs)
// instead of allocated for each request: a tracer reads start options only
// through trace.NewSpanStartConfig, which copies the attributes.
type startArgs struct {
	attrs [startAttrs]attribute.KeyValue
	// with[n] gives attrs[:n] at a span's start, made once.
	with  [startAttrs + 1]trace.SpanStartOption
	start [2]trace.SpanStartOption
}

// startAttrs is how many start attributes startArgs holds, the most the
// transport gives (method, url.full, the synthetic user agent, the
// original method, address, port, resend count); more are given by an
// option of their own.
const startAttrs = 7

var startPool = sync.Pool{New: func() any {
	a := &startArgs{}
	for n := range a.with {
		a.with[n] = trace.WithAttributes(a.attrs[:n]...)
	}
	return a
}}

// getStartArgs returns a startArgs to fill, to be released once the span
// is started.
func getStartArgs() *startArgs { return startPool.Get().(*startArgs) }

// release clears a and puts it back for another span.
func (a *startArgs) release() {
	clear(a.attrs[:])
	startPool.Put(a)
}

// options returns the start options of a span of kind with attrs. When
// attrs are a.attrs[:len(attrs)] (appended to a.attrs[:0] and no more
// than it holds) the option that gives them is one made once; any other
// attrs, a longer list or a slice of their own, are given by an option
// made for them.
func (a *startArgs) options(kind trace.SpanStartOption, attrs []attribute.KeyValue) []trace.SpanStartOption {
	give := a.with[0]
	switch n := len(attrs); {
	case n == 0:
	case n <= len(a.attrs) && &attrs[0] == &a.attrs[0]:
		give = a.with[n]
	default:
		give = trace.WithAttributes(attrs...)
	}
	a.start = [...]trace.SpanStartOption{kind, give}
	return a.start[:]
}

// Get implements propagation.TextMapCarrier.
func (c *clientCall) Get(key string) string { return propagation.HeaderCarrier(c.header).Get(key) }

// Keys implements propagation.TextMapCarrier.
func (c *clientCall) Keys() []string { return propagation.HeaderCarrier(c.header).Keys() }

// Set implements propagation.TextMapCarrier: the keys of the W3C trace
// context and baggage are set in their canonical form as constants, not
// made again for every request, and the first values take no allocation.
func (c *clientCall) Set(key, value string) {
	switch key {
	case "traceparent":
		key = "Traceparent"
	case "tracestate":
		key = "Tracestate"
	case "baggage":
		key = "Baggage"
	default:
		key = http.CanonicalHeaderKey(key)
	}
	if c.set == len(c.values) {
		c.header[key] = []string{value}
		return
	}
	i := c.set
	c.set++
	c.values[i] = value
	c.header[key] = c.values[i : i+1 : i+1]
}

// spanBody ends the request's span when the body is read to its end or
// closed, as the request lasts until then.
type spanBody struct {
	io.ReadCloser
	span  trace.Span
	rd    *redact.Redactor
	ended bool
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.ended {
		if err != io.EOF {
			setError(b.span, b.rd, err)
		}
		b.ended = true
		b.span.End()
	}
	return n, err
}

func (b *spanBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.ended {
		b.ended = true
		b.span.End()
	}
	return err
}

// setError marks span failed by err, its text redacted by rd: a transport
// error names the host, which may hold a secret.
func setError(span trace.Span, rd *redact.Redactor, err error) {
	span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
	span.SetStatus(codes.Error, rd.String(err.Error()))
}

// redactAttrs returns attrs with rd applied to every string value, in
// place.
func redactAttrs(rd *redact.Redactor, attrs []attribute.KeyValue) []attribute.KeyValue {
	if rd == nil {
		return attrs
	}
	for i, kv := range attrs {
		if kv.Value.Type() == attribute.STRING {
			attrs[i].Value = attribute.StringValue(rd.String(kv.Value.AsString()))
		}
	}
	return attrs
}

// fullURL is u without credentials and fragment, with every query value
// replaced by REDACTED (the transport cannot tell which are secrets), and
// the run's secrets masked by rd wherever else they stand: host, path,
// query keys.
func fullURL(rd *redact.Redactor, u *url.URL) string {
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && rd == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if u.RawQuery != "" {
		c.RawQuery = redactedQuery(u.RawQuery)
	}
	return rd.URL(&c)
}

// redactedQuery is the raw query q with every value REDACTED, its keys
// kept, in one allocation.
func redactedQuery(q string) string {
	var b strings.Builder
	b.Grow(len(q) + (strings.Count(q, "&")+1)*len("="+redacted))
	for pair := range strings.SplitSeq(q, "&") {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		key, _, _ := strings.Cut(pair, "=")
		b.WriteString(key)
		b.WriteString("=" + redacted)
	}
	return b.String()
}

// hostPort returns u's host and port, the scheme's default port when it
// names none.
func hostPort(u *url.URL) (string, int) {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			return host, 80
		case "https":
			return host, 443
		}
		return host, 0
	}
	n, _ := strconv.Atoi(port)
	return host, n
}

// protocolVersion turns "HTTP/1.1" into "1.1".
func protocolVersion(proto string) (string, bool) {
	v, ok := strings.CutPrefix(proto, "HTTP/")
	return v, ok && v != ""
}

// errorType names the class of a transport error, bounded, for error.type.
func errorType(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "dns"
	case isTimeout(err):
		return "timeout"
	case errors.As(err, &opErr):
		return opErr.Op
	}
	return "_OTHER"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
