package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/ohler55/ojg/oj"

	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// RunOpts are the per-run inputs of Run. A nil *RunOpts means none.
type RunOpts struct {
	// Execution, when not nil, is the execution Run fills and returns; its
	// ID, PlanID, Trigger and CreatedAt may be set beforehand (a store
	// created it). Run fills what is empty and everything else.
	Execution *record.Execution
	// Vars are the caller's variables (CLI --var, API). They win over the
	// plan's vars.
	Vars map[string]any
	// Secrets are secret values by name. Every non-empty value is redacted
	// from the results.
	Secrets map[string]string
	// LookupEnv, when not nil, makes environment variables visible to the
	// plan, after every other source. The CLI passes os.LookupEnv; an
	// embedding application decides. A name the plan lists under secrets
	// that is found here is redacted like any secret.
	LookupEnv func(name string) (string, bool)
	// Observer sees the execution as it runs.
	Observer Observer
	// HaltOnError, when not nil, overrides the plan's halt_on_error.
	HaltOnError *bool
}

// Names that the response puts in scope of assert and capture expressions.
const (
	nameStatus   = "status"
	nameHeaders  = "headers"
	nameBody     = "body"
	nameJSON     = "json"
	nameDuration = "duration"
)

var responseNames = [...]string{nameStatus, nameHeaders, nameBody, nameJSON, nameDuration}

// run is the state of one execution.
type run struct {
	r  *Runner
	p  *plan.Plan
	e  *record.Execution
	ob Observer
	// env holds every variable by precedence: captures, caller vars, plan
	// vars, secrets; environment variables are added when first read.
	env       map[string]any
	varErrs   map[string]error
	lookupEnv func(string) (string, bool)
	red       *redact.Redactor
	secrets   []string
	halt      *bool

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
}

// Run runs p and returns its execution, never nil. Its status is passed
// when every step passed; halted when a step failed with halt_on_error on
// (the steps after it, if any, are skipped); failed when a step failed with
// it off; canceled when ctx ended first (Error then says so). Bad input (a
// nil plan) gives a failed execution with an Error.
func (r *Runner) Run(ctx context.Context, p *plan.Plan, opts *RunOpts) *record.Execution {
	if opts == nil {
		opts = &RunOpts{}
	}
	e := opts.Execution
	if e == nil {
		e = &record.Execution{}
	}
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.Trigger == "" {
		e.Trigger = record.TriggerManual
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	e.StartedAt = time.Now()
	e.Status = record.StatusRunning
	e.Error = nil
	ob := opts.Observer
	if ob == nil {
		ob = ObserverFuncs{}
	}
	if p == nil {
		e.Steps = nil
		e.Status = record.StatusFailed
		e.Error = &record.StepError{Kind: record.ErrRequest, Message: "no plan to run"}
		e.FinishedAt = time.Now()
		ob.ExecutionStarted(ctx, e)
		ob.ExecutionFinished(ctx, e)
		return e
	}
	if e.PlanID == "" {
		e.PlanID = p.ID
	}
	if e.PlanName == "" {
		e.PlanName = p.Name
	}
	e.Steps = make([]record.StepResult, len(p.Steps))

	s := r.newRun(p, e, opts)
	defer s.release()
	ob.ExecutionStarted(ctx, e)
	s.ob = ob
	s.runSteps(ctx)
	e.FinishedAt = time.Now()
	ob.ExecutionFinished(ctx, e)
	return e
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
	secrets := make([]string, 0, len(opts.Secrets)+len(p.Secrets))
	for k, v := range opts.Secrets {
		s.env[k] = v
		secrets = append(secrets, v)
	}
	for _, name := range p.Secrets {
		if _, ok := opts.Secrets[name]; ok || s.lookupEnv == nil {
			continue
		}
		if v, ok := s.lookupEnv(name); ok {
			s.env[name] = v
			secrets = append(secrets, v)
		}
	}
	s.secrets = secrets
	s.red = redact.New(secrets)
	for k, v := range opts.Vars {
		s.env[k] = v
	}
	// Plan vars see caller vars, secrets and the environment, not each
	// other; caller vars win over them, so those are not evaluated.
	if len(p.Vars) > 0 {
		vals := make(map[string]any, len(p.Vars))
		for name, v := range p.Vars {
			if _, ok := opts.Vars[name]; ok || v == nil {
				continue
			}
			x, err := s.eval(v)
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

	s.client = &http.Client{Transport: r.transport, Jar: &s.jar, CheckRedirect: s.checkRedirect}
	if b, ok := r.buffers.Get().(*bytes.Buffer); ok {
		s.buf = b
	} else {
		s.buf = new(bytes.Buffer)
	}
	s.trace = s.marks.trace(s.base)
	return s
}

// addSecret redacts v from now on: a value captured from a header that is
// always masked (a session cookie) must not show elsewhere either.
func (s *run) addSecret(v string) {
	if v == "" || s.red.String(v) != v {
		return
	}
	s.secrets = append(s.secrets, v)
	s.red = redact.New(s.secrets)
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

func (s *run) checkRedirect(_ *http.Request, via []*http.Request) error {
	if !s.follow {
		return http.ErrUseLastResponse
	}
	if len(via) > plan.MaxRedirects {
		return errTooManyRedirects
	}
	return nil
}

func (s *run) runSteps(ctx context.Context) {
	e := s.e
	failed, halted := false, false
	for i := range s.p.Steps {
		step := &s.p.Steps[i]
		res := &e.Steps[i]
		if halted || ctx.Err() != nil {
			s.skip(i, step, res)
			s.ob.StepFinished(ctx, e, res)
			continue
		}
		s.runStep(ctx, i, step, res)
		if res.Error != nil {
			// Most messages are redacted as they are made; this covers the
			// fixed texts too, so that no message shows a secret's text.
			res.Error.Message = s.red.String(res.Error.Message)
		}
		s.log(ctx, res)
		s.ob.StepFinished(ctx, e, res)
		if !res.OK {
			failed = true
			if ctx.Err() == nil && s.haltOnError(step) {
				halted = true
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		e.Status = record.StatusCanceled
		e.Error = &record.StepError{Kind: record.ErrCanceled, Message: s.red.String("execution stopped: " + contextReason(ctx))}
	case halted:
		e.Status = record.StatusHalted
	case failed:
		e.Status = record.StatusFailed
	default:
		e.Status = record.StatusPassed
	}
}

func contextReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "its deadline passed"
	}
	return "it was canceled"
}

// haltOnError tells whether a failed step stops the run: the caller's
// override, else the step's option over the plan's, else the default.
func (s *run) haltOnError(step *plan.Step) bool {
	if s.halt != nil {
		return *s.halt
	}
	set := step.Options.HaltOnError.Or(s.p.Options.HaltOnError)
	v, err := resolveSetting(s, set, plan.DefaultHaltOnError, toBool)
	if err != nil {
		return plan.DefaultHaltOnError
	}
	return v
}

func (s *run) skip(i int, step *plan.Step, res *record.StepResult) {
	*res = record.StepResult{
		Index:   i,
		Name:    s.stepName(step),
		Method:  step.Method,
		Skipped: true,
	}
	if step.URL != nil {
		res.URL = s.red.String(withoutPassword(step.URL.Raw()))
	}
}

func (s *run) stepName(step *plan.Step) string {
	if step.Name != "" {
		return s.red.String(step.Name)
	}
	if step.URL == nil {
		return step.Method
	}
	return s.red.String(step.Method + " " + withoutPassword(step.URL.Raw()))
}

func (s *run) log(ctx context.Context, res *record.StepResult) {
	if !s.r.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("plan", s.e.PlanID),
		slog.String("execution", s.e.ID),
		slog.Int("step", res.Index),
		slog.String("name", res.Name),
		slog.Bool("ok", res.OK),
		slog.Int("attempts", res.Attempts),
		slog.Duration("duration", res.Timings.Total),
	}
	if res.Response != nil {
		attrs = append(attrs, slog.Int("status", res.Response.StatusCode))
	}
	if res.Error != nil {
		attrs = append(attrs, slog.String("error_kind", string(res.Error.Kind)), slog.String("error", res.Error.Message))
	}
	s.r.logger.LogAttrs(ctx, slog.LevelDebug, "smokex step finished", attrs...)
}
