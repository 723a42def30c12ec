package exec

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// received is a response whose body has been read into the run's buffer.
type received struct {
	resp *http.Response
	size int64
}

// send sends the request, retrying as the options allow, and reads the
// body into s.buf. It counts each request in res.Attempts and
// res.AttemptLog and sets res.Timings. With a too_large error it also
// returns the response, whose body is not kept.
func (s *run) send(ctx context.Context, out *outgoing, o stepOptions, res *record.StepResult) (*received, *record.StepError) {
	client := s.httpClient(o.insecure)
	s.follow = o.follow
	for attempt := 1; ; attempt++ {
		res.Attempts++
		started := time.Now()
		rc, serr := s.attempt(ctx, client, out, o, res)
		a := record.Attempt{StartedAt: started, Duration: res.Timings.Total}
		if rc != nil {
			a.StatusCode = rc.resp.StatusCode
		}
		if serr != nil {
			a.Error = serr.StepError
		}
		if res.AttemptLog == nil {
			// A step of one attempt keeps no log (runStep drops it): the
			// first entry goes in the run's space, and a second one moves
			// the log to a slice of its own.
			res.AttemptLog = s.firstAttempt[:0]
		}
		if len(res.AttemptLog) == MaxAttemptLog {
			res.AttemptLog = append(res.AttemptLog[:0], res.AttemptLog[1:]...)
		}
		res.AttemptLog = append(res.AttemptLog, a)
		if serr == nil {
			s.retried = s.retried || attempt > 1
			return rc, nil
		}
		if attempt > o.retries || !serr.retryable || ctx.Err() != nil {
			return rc, serr.StepError
		}
		t := time.NewTimer(s.r.retry.Delay(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &record.StepError{Kind: record.ErrCanceled, Message: contextReason(ctx) + " while waiting to retry"}
		case <-t.C:
		}
	}
}

// sendError is a StepError that knows whether a retry may help.
type sendError struct {
	*record.StepError
	retryable bool
}

func (s *run) attempt(ctx context.Context, client *http.Client, out *outgoing, o stepOptions, res *record.StepResult) (*received, *sendError) {
	// s.reqCtx is ctx with the trace and the redaction, made once per run:
	// only the timeout is per attempt.
	actx, cancel := context.WithTimeout(s.reqCtx, o.timeout)
	defer cancel()
	s.marks.reset()
	start := max(int64(time.Since(s.base)), 1)
	defer func() {
		res.Timings = s.marks.timings(start, int64(time.Since(s.base)))
		// The request as it went on the wire, with the jar's cookies and
		// the transport's own fields.
		if h := s.marks.wrote(); h != nil && res.Request != nil {
			res.Request.Headers = s.redactHeader(h)
		}
	}()

	var body io.Reader
	if out.hasBody {
		body = bytes.NewReader(out.body)
	}
	req, err := http.NewRequestWithContext(actx, out.method, out.url, body)
	if err != nil {
		return nil, &sendError{StepError: &record.StepError{Kind: record.ErrInvalidURL, Message: s.red.String(err.Error())}}
	}
	// Cookies are added to the header the request is given: give it a copy
	// once there are cookies.
	req.Header = out.header
	if !s.jar.empty() {
		req.Header = out.header.Clone()
	}
	if h := out.header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := s.do(client, req, o.follow)
	if err != nil {
		return nil, s.classify(ctx, actx, err, o.timeout, req.URL.Host, false)
	}
	return s.readBody(ctx, actx, req, resp, o.timeout)
}

// do sends req. A step that follows redirects goes through the client,
// which follows them with the cookie jar; one that does not goes straight
// to the transport, with the jar's cookies, which saves the client's
// per-request copies.
func (s *run) do(client *http.Client, req *http.Request, follow bool) (*http.Response, error) {
	if follow {
		return client.Do(req)
	}
	if !s.jar.empty() {
		for _, c := range s.jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	resp, err := client.Transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errNoResponse
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if _, ok := resp.Header["Set-Cookie"]; ok {
		s.jar.SetCookies(req.URL, resp.Cookies())
	}
	return resp, nil
}

// errNoResponse is a transport that broke its contract.
var errNoResponse = errors.New("the transport returned neither a response nor an error")

// readBody reads at most MaxBodySize bytes of the decompressed body into
// s.buf and closes the body; a body read to its end leaves the connection
// ready for the next step.
func (s *run) readBody(ctx, actx context.Context, req *http.Request, resp *http.Response, timeout time.Duration) (*received, *sendError) {
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if !resp.Uncompressed && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && req.Method != http.MethodHead {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &sendError{StepError: &record.StepError{Kind: record.ErrRequest, Message: "the response says gzip but is not: " + err.Error()}}
		}
		if err == nil {
			defer zr.Close()
			r = zr
		}
	}
	s.buf.Reset()
	limit := s.r.maxBody
	s.limited = io.LimitedReader{R: r, N: limit + 1}
	n, err := s.buf.ReadFrom(&s.limited)
	s.limited.R = nil
	if err != nil {
		return nil, s.classify(ctx, actx, err, timeout, req.URL.Host, true)
	}
	if n > limit {
		s.buf.Reset()
		s.received = received{resp: resp, size: n}
		return &s.received, &sendError{StepError: &record.StepError{Kind: record.ErrTooLarge, Message: fmt.Sprintf("the response body is larger than %s", byteSize(limit))}}
	}
	s.received = received{resp: resp, size: n}
	return &s.received, nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// classify turns a transport error into a step error a person understands.
func (s *run) classify(ctx, actx context.Context, err error, timeout time.Duration, host string, reading bool) *sendError {
	e := func(kind record.ErrorKind, retryable bool, format string, args ...any) *sendError {
		return &sendError{StepError: &record.StepError{Kind: kind, Message: s.red.Excerpt(fmt.Sprintf(format, args...), maxMessage)}, retryable: retryable}
	}
	if ctx.Err() != nil {
		return e(record.ErrCanceled, false, "%s during the request", contextReason(ctx))
	}
	if errors.Is(err, errTooManyRedirects) {
		return e(record.ErrRedirects, false, "more than %d redirects", plan.MaxRedirects)
	}
	var rse *redirectSchemeError
	if errors.As(err, &rse) {
		return e(record.ErrRedirects, false, "redirected to %s, which is not http or https; smokex follows redirects to http and https only", s.red.URL(rse.to))
	}
	var ne net.Error
	if errors.Is(actx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		if reading {
			return e(record.ErrTimeout, true, "response body not complete within %s", timeout)
		}
		return e(record.ErrTimeout, true, "no response within %s", timeout)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return e(record.ErrDNS, true, "could not resolve host %s: no such host", dnsErr.Name)
		}
		return e(record.ErrDNS, true, "could not resolve host %s: %s", dnsErr.Name, dnsErr.Err)
	}
	if msg, ok := tlsMessage(err); ok {
		return e(record.ErrTLS, false, "TLS with %s failed: %s", host, msg)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		addr := host
		if op.Addr != nil {
			addr = op.Addr.String()
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return e(record.ErrConnect, true, "connection refused by %s", addr)
		}
		return e(record.ErrConnect, true, "could not connect to %s: %s", addr, innermost(err))
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		if reading {
			return e(record.ErrReset, true, "connection reset by %s before the body ended: the server dropped the connection mid-response", host)
		}
		return e(record.ErrReset, true, "connection reset by %s: the server dropped the connection without a response", host)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if reading {
			return e(record.ErrReset, true, "%s closed the connection before the body ended: the response is cut short", host)
		}
		return e(record.ErrReset, true, "%s closed the connection without a response", host)
	}
	return e(record.ErrRequest, false, "%s", innermost(err))
}

const notTLS = "the server did not answer in TLS (is it plain HTTP? then use http://)"

// tlsMessage recognises a failed TLS handshake or certificate check.
func tlsMessage(err error) (string, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case errors.As(err, &unknown):
		return "certificate signed by an unknown authority (set insecure: true to skip verification)", true
	case errors.As(err, &hostname):
		return hostname.Error(), true
	case errors.As(err, &invalid):
		return invalid.Error(), true
	case errors.As(err, &verify):
		return verify.Err.Error(), true
	case errors.As(err, &record):
		return notTLS, true
	case errors.As(err, &alert):
		return "the server sent alert: " + alert.Error(), true
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return notTLS, true
	}
	if strings.Contains(err.Error(), "tls: ") {
		return innermost(err), true
	}
	return "", false
}

// innermost is the message of err without the wrapping url.Error, whose
// method and URL the step result already shows.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
