package exec

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http/httptrace"
	"time"

	"github.com/google/uuid"

	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// RunOpts are the per-run inputs of a run: of Runner.Run here, and the same
// type is smokex.RunOpts for Engine.Run and Trigger and the base of
// smokextest.Opts. A nil *RunOpts means none.
type RunOpts struct {
	// Trigger records what started the run. Defaults to
	// record.TriggerManual.
	Trigger record.Trigger
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
	// Observer, when set, sees the execution as it runs, through those of
	// the record hook interfaces it implements: record.ExecutionStartedHook,
	// record.StepHook, record.StepPollingHook, record.StepFinishedHook and
	// record.ExecutionFinishedHook, as the engine's hooks are told. They are
	// called in the goroutine that runs the plan, in order: ExecutionStarted;
	// for each step, skipped ones included, WrapStep around it and, inside,
	// StepPolling after each attempt of a poll that goes on, and
	// StepFinished as soon as its result is known; then ExecutionFinished. A
	// slow observer slows the run; one that does I/O should hand the work
	// off. The values passed must not be modified; they stay valid after the
	// call.
	Observer record.Hook
	// HaltOnError, when not nil, overrides the plan's halt_on_error.
	HaltOnError *bool
}

// Run runs p and returns its execution, never nil. Its status is passed
// when every step passed; degraded when every step passed and one or more
// responses took longer than their degraded_after option; failed when a step failed, with StopReason
// halted_on_error when halt_on_error was on (the steps after it are
// skipped); canceled when ctx ended first and no step had failed
// (StopReason canceled, and Error says why). Bad input (a nil plan) gives
// a failed execution with an Error. docs/statuses.md has every state.
func (r *Runner) Run(ctx context.Context, p *plan.Plan, opts *RunOpts) *record.Execution {
	return r.RunExecution(ctx, p, nil, opts)
}

// RunExecution is Run filling e, an execution made beforehand (a store
// created it), and returning it. Its ID, PlanID, PlanName, Trigger and
// CreatedAt are kept when set; Run fills what is empty and everything
// else. A nil e is a new execution.
func (r *Runner) RunExecution(ctx context.Context, p *plan.Plan, e *record.Execution, opts *RunOpts) *record.Execution {
	if opts == nil {
		opts = &RunOpts{}
	}
	if e == nil {
		e = &record.Execution{}
	}
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.Trigger == "" {
		e.Trigger = cmp.Or(opts.Trigger, record.TriggerManual)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	e.StartedAt = time.Now()
	e.Status = record.StatusRunning
	e.Error = nil
	ob := observerOf(opts.Observer)
	ref := planRef(p)
	if p == nil {
		e.Steps = nil
		e.Status = record.StatusFailed
		e.Error = &record.StepError{Kind: record.ErrRequest, Message: "no plan to run"}
		e.FinishedAt = time.Now()
		ob.executionStarted(ctx, ref, e)
		ob.executionFinished(ctx, ref, e)
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
	ob.executionStarted(ctx, ref, e)
	s.ob, s.ref = ob, ref
	s.runSteps(ctx)
	e.FinishedAt = time.Now()
	ob.executionFinished(ctx, ref, e)
	return e
}

// observer is RunOpts.Observer by the hook interfaces it implements.
type observer struct {
	started  record.ExecutionStartedHook
	wrap     record.StepHook
	polling  record.StepPollingHook
	step     record.StepFinishedHook
	finished record.ExecutionFinishedHook
}

func observerOf(h record.Hook) observer {
	var o observer
	o.started, _ = h.(record.ExecutionStartedHook)
	o.wrap, _ = h.(record.StepHook)
	o.polling, _ = h.(record.StepPollingHook)
	o.step, _ = h.(record.StepFinishedHook)
	o.finished, _ = h.(record.ExecutionFinishedHook)
	return o
}

func (o observer) executionStarted(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	if o.started != nil {
		o.started.ExecutionStarted(ctx, p, e)
	}
}

func (o observer) stepPolling(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult, next, deadline time.Time) {
	if o.polling != nil {
		o.polling.StepPolling(ctx, p, e, r, next, deadline)
	}
}

func (o observer) stepFinished(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult) {
	if o.step != nil {
		o.step.StepFinished(ctx, p, e, r)
	}
}

func (o observer) executionFinished(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	if o.finished != nil {
		o.finished.ExecutionFinished(ctx, p, e)
	}
}

// wrapStep runs doInner within the observer's WrapStep, which it must
// have. A WrapStep that returns without calling doInner has it called
// then, so that no step goes unrun.
func (o observer) wrapStep(ctx context.Context, p *record.PlanRef, e *record.Execution, index int, doInner func(context.Context) *record.StepResult) {
	ran := false
	o.wrap.WrapStep(ctx, p, e, index, func(ctx context.Context) *record.StepResult {
		ran = true
		return doInner(ctx)
	})
	if !ran {
		doInner(ctx)
	}
}

func (s *run) runSteps(ctx context.Context) {
	e := s.e
	failed, halted, degraded := false, false, false
	s.runReq = s.requestContext(ctx)
	for i := range s.p.Steps {
		step := &s.p.Steps[i]
		res := &e.Steps[i]
		skipped := halted || ctx.Err() != nil
		if s.ob.wrap == nil {
			// No closure to allocate for a step nothing wraps.
			s.observedStep(ctx, ctx, i, skipped)
		} else {
			s.ob.wrapStep(ctx, s.ref, e, i, func(sctx context.Context) *record.StepResult {
				return s.observedStep(ctx, sctx, i, skipped)
			})
		}
		if skipped {
			continue
		}
		degraded = degraded || res.Degraded
		if !res.OK {
			// A step cut short by the run's own cancellation did not fail
			// on its own: the execution is canceled, not failed.
			if res.Error == nil || res.Error.Kind != record.ErrCanceled || ctx.Err() == nil {
				failed = true
			}
			if ctx.Err() == nil && s.haltOnError(step) {
				halted = true
			}
		}
	}
	e.StopReason = ""
	switch {
	case halted:
		e.StopReason = record.StopHaltedOnError
	case ctx.Err() != nil:
		e.StopReason = record.StopCanceled
		e.Error = &record.StepError{Kind: record.ErrCanceled, Message: s.red.String(contextReason(ctx) + " before it finished")}
	}
	switch {
	case failed:
		e.Status = record.StatusFailed
	case ctx.Err() != nil:
		e.Status = record.StatusCanceled
	case degraded:
		e.Status = record.StatusDegraded
	default:
		e.Status = record.StatusPassed
	}
	e.Flaky = e.Status.Up() && s.retried
}

// contextReason says why ctx ended, for the message of an execution or a
// step it cut short.
func contextReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the execution's deadline passed"
	}
	return "the execution was stopped"
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
		Method:  step.Method,
		Skipped: true,
	}
	if step.URL != nil {
		// A skipped step shows its URL as it would have been sent, when the
		// variables it reads are there, rather than the raw template.
		res.URL = s.red.String(withoutPassword(step.URL.Raw()))
		if v, err := s.evalString(step.URL); err == nil {
			res.URL = s.shownURL(v)
		}
	}
	res.Name = s.stepName(step)
	if step.Name == "" && step.URL != nil {
		res.Name = step.Method + " " + res.URL
	}
}

// observedStep runs step i in sctx, the context a StepHook gave it (ctx,
// the run's, without one), or skips it, and tells the observer.
func (s *run) observedStep(ctx, sctx context.Context, i int, skipped bool) *record.StepResult {
	step, res := &s.p.Steps[i], &s.e.Steps[i]
	if skipped {
		s.skip(i, step, res)
		s.ob.stepFinished(sctx, s.ref, s.e, res)
		return res
	}
	s.reqCtx = s.runReq
	if s.ob.wrap != nil {
		s.reqCtx = s.requestContext(sctx)
	}
	s.runStep(sctx, i, step, res)
	if res.Error != nil {
		// Most messages are redacted as they are made; this covers the
		// fixed texts too, so that no message shows a secret's text.
		res.Error.Message = s.red.String(res.Error.Message)
	}
	s.log(ctx, res)
	s.ob.stepFinished(sctx, s.ref, s.e, res)
	return res
}

// requestContext is ctx with what each request of the run carries: the
// run's ClientTrace, which times it, and its redaction, for a wrapping
// transport's span (Config.WrapTransport). The hooks are given ctx itself,
// so that a request a hook sends is not timed as the step's.
func (s *run) requestContext(ctx context.Context) context.Context {
	return redact.NewContext(httptrace.WithClientTrace(ctx, s.trace), s.red)
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
		slog.Duration("duration", res.Total()),
	}
	if res.Response != nil {
		attrs = append(attrs, slog.Int("status", res.Response.StatusCode))
	}
	if res.Error != nil {
		attrs = append(attrs, slog.String("error_kind", string(res.Error.Kind)), slog.String("error", res.Error.Message))
	}
	s.r.logger.LogAttrs(ctx, slog.LevelDebug, "smokex step finished", attrs...)
}

// planRef is what observers see of p; a nil p has an empty one.
func planRef(p *plan.Plan) *record.PlanRef {
	if p == nil {
		return &record.PlanRef{}
	}
	return &record.PlanRef{ID: p.ID, Name: p.Name, Labels: p.Labels, DependsOn: p.DependsOn}
}
