package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/ohler55/ojg/oj"

	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// run is the state of one execution.
type run struct {
	// retried is set once a request succeeded on a retry: an execution
	// that is then up is flaky.
	retried bool
	r       *Runner
	p       *plan.Plan
	e       *record.Execution
	ob      observer
	// ref is the plan as the observer sees it.
	ref *record.PlanRef
	// env holds every variable by precedence: captures, caller vars, plan
	// vars, secrets; environment variables are added when first read.
	env       map[string]any
	varErrs   map[string]error
	lookupEnv func(string) (string, bool)
	red       *redact.Redactor
	secrets   []string
	// tainted holds the names whose values are secret: the secrets, and
	// the vars and captures computed from them. taintFn is taint, made
	// once; hit is set when it finds a tainted name.
	tainted map[string]bool
	taintFn func(names []string, v any)
	hit     bool
	halt    *bool

	jar            lazyJar
	client         *http.Client
	insecureClient *http.Client
	follow         bool

	buf     *bytes.Buffer
	limited io.LimitedReader
	parser  oj.Parser
	base    time.Time
	marks   marks
	trace   *httptrace.ClientTrace
	// runReq is the run's context with what its requests carry
	// (requestContext); reqCtx is the current step's, runReq unless a
	// StepHook gave the step a context of its own. A request's timeout is
	// set under it.
	runReq, reqCtx context.Context
	// out, received and firstAttempt are the current step's request, its
	// response and the first entry of its attempt log, in space reused from
	// step to step.
	out          outgoing
	received     received
	firstAttempt [1]record.Attempt
	// shadowed is the checkers' space for the variables the response's
	// names hide, reused from step to step.
	shadowed []shadowed
}

func (r *Runner) newRun(p *plan.Plan, e *record.Execution, opts *RunOpts) *run {
	s := &run{
		r:         r,
		p:         p,
		e:         e,
		lookupEnv: opts.LookupEnv,
		halt:      opts.HaltOnError,
		base:      time.Now(),
	}
	s.env = make(map[string]any, len(opts.Secrets)+len(opts.Vars)+len(p.Vars)+8)
	// Below every other name: the location the run is made from.
	s.env[plan.LocationVar] = e.Location
	secrets := make([]string, 0, len(opts.Secrets)+len(p.Secrets))
	s.tainted = make(map[string]bool, len(opts.Secrets)+len(p.Secrets))
	for k, v := range opts.Secrets {
		s.env[k] = v
		secrets = append(secrets, v)
		s.tainted[k] = true
		r.warnShort(p, k, v)
	}
	for _, name := range p.Secrets {
		if _, ok := opts.Secrets[name]; ok || s.lookupEnv == nil {
			continue
		}
		if v, ok := s.lookupEnv(name); ok {
			s.env[name] = v
			secrets = append(secrets, v)
			s.tainted[name] = true
			r.warnShort(p, name, v)
		}
	}
	s.secrets = secrets
	s.red = redact.New(secrets)
	s.taintFn = s.taint
	for k, v := range opts.Vars {
		s.env[k] = v
		// A caller's var hides a secret of its name.
		delete(s.tainted, k)
	}
	// Plan vars see caller vars, secrets and the environment, not each
	// other; caller vars win over them, so those are not evaluated.
	if len(p.Vars) > 0 {
		vals := make(map[string]any, len(p.Vars))
		for name, v := range p.Vars {
			if _, ok := opts.Vars[name]; ok || v == nil {
				continue
			}
			x, tainted, err := s.evalTainted(v)
			// A var computed from a secret is a secret too; one that is
			// not hides a secret of its name.
			s.setTainted(name, tainted)
			if err != nil {
				if s.varErrs == nil {
					s.varErrs = map[string]error{}
				}
				s.varErrs[name] = fmt.Errorf("var %s: %w", name, err)
				continue
			}
			vals[name] = x
		}
		for name, x := range vals {
			s.env[name] = x
		}
		for name := range s.varErrs {
			delete(s.env, name)
		}
	}

	s.client = &http.Client{Transport: r.sending, Jar: &s.jar, CheckRedirect: s.checkRedirect}
	if b, ok := r.buffers.Get().(*bytes.Buffer); ok {
		s.buf = b
	} else {
		s.buf = new(bytes.Buffer)
	}
	s.trace = s.marks.trace(s.base)
	return s
}

// setTainted records whether the value now under name derives from a
// secret.
func (s *run) setTainted(name string, tainted bool) {
	if tainted {
		s.tainted[name] = true
	} else {
		delete(s.tainted, name)
	}
}

// maxPooledBuffer is the largest body buffer kept for the next run.
const maxPooledBuffer = 1 << 20

func (s *run) release() {
	if s.buf.Cap() <= maxPooledBuffer {
		s.buf.Reset()
		s.r.buffers.Put(s.buf)
	}
	s.buf = nil
}

func (s *run) httpClient(insecure bool) *http.Client {
	if !insecure {
		return s.client
	}
	if s.insecureClient == nil {
		s.insecureClient = &http.Client{Transport: s.r.insecureTransport(), Jar: &s.jar, CheckRedirect: s.checkRedirect}
	}
	return s.insecureClient
}

// lazyJar is the execution's cookie jar, made when a response first sets a
// cookie: most plans never do, and their steps then skip the jar's work.
type lazyJar struct {
	jar *cookiejar.Jar
}

// SetCookies implements http.CookieJar.
func (j *lazyJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	if j.jar == nil {
		j.jar, _ = cookiejar.New(nil) // New with nil options does not fail.
	}
	j.jar.SetCookies(u, cookies)
}

// Cookies implements http.CookieJar.
func (j *lazyJar) Cookies(u *url.URL) []*http.Cookie {
	if j.jar == nil {
		return nil
	}
	return j.jar.Cookies(u)
}

// empty tells whether no cookie was ever set, so that no request gets one.
func (j *lazyJar) empty() bool { return j.jar == nil }

// errTooManyRedirects stops a redirect chain longer than plan.MaxRedirects.
var errTooManyRedirects = errors.New("too many redirects")

// redirectSchemeError stops a redirect to a URL that is not http or https
// (file://, ftp://, ...), so that the step says it was a redirect.
type redirectSchemeError struct {
	to *url.URL
}

func (e *redirectSchemeError) Error() string {
	return fmt.Sprintf("redirected to a %s: URL", e.to.Scheme)
}

// credentialHeaders are the headers a redirect that leaves the origin
// must not carry, as net/http drops them on a redirect to another host.
var credentialHeaders = [...]string{"Authorization", "Www-Authenticate", "Proxy-Authorization", "Cookie", "Cookie2"}

func (s *run) checkRedirect(req *http.Request, via []*http.Request) error {
	if !s.follow {
		return http.ErrUseLastResponse
	}
	if len(via) > plan.MaxRedirects {
		return errTooManyRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return &redirectSchemeError{to: req.URL}
	}
	// net/http keeps credentials on a redirect to the same host name,
	// whatever its scheme and port; like curl, send them only to the
	// origin they were given for: not over plain HTTP after HTTPS, not to
	// another port.
	if !sameOrigin(via[0].URL, req.URL) {
		for _, h := range credentialHeaders {
			req.Header.Del(h)
		}
	}
	return nil
}

// sameOrigin reports whether b has a's scheme, host name and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}
