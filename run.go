package smokex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// This file is a run from its start to its finish: a tick, Run or Trigger
// asks for it; prepare admits it and stores it as created (a tick in time
// that finds a concurrency slot free, as running, or, on a store that
// creates executions finished, not yet: unwritten.go; a tick already too
// late, as skipped); execute runs it in a concurrency slot; engineObserver
// stores what the executor reports, and every per-execution hook and
// event is fired here.

// RunOpts are the per-run settings of Run and Trigger, the executor's
// own (exec.RunOpts): one type for every caller of a run. Nil means
// defaults. The engine reads them so:
//
//   - Trigger records what started the run. Defaults to
//     record.TriggerManual.
//   - Vars win over Config.Vars and the plan's vars.
//   - Secrets are added to those Config.Secrets resolves for the plan,
//     winning over them, and redacted like them.
//   - LookupEnv, when set, replaces Config.LookupEnv for this run.
//   - HaltOnError, when set, overrides the plan's halt_on_error.
//   - Observer sees this run's start, steps and finish, through the
//     record hook interfaces it implements (record.ExecutionStartedHook,
//     record.StepFinishedHook, record.ExecutionFinishedHook; record.HookFuncs
//     makes one of functions), after the store and Config.Hooks, in the
//     run's goroutine; it must not block. As the hooks, it is told of the
//     last step before a store that writes that step with the finish
//     (storage.ExecutionFinisher) stores it (see record.Hook).
type RunOpts = exec.RunOpts

// Run runs the plan now and waits for it to finish. Canceling ctx cancels
// the run, which is then stored as canceled. A run that could not be
// started returns an error and no execution.
func (e *Engine) Run(ctx context.Context, planID string, opts *RunOpts) (*record.Execution, error) {
	job, err := e.prepare(ctx, planID, opts, time.Time{}, e.cfg.Location)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, job.cancel)
	defer stop()
	return e.execute(job), nil
}

// Trigger starts the plan in the background and returns the id of its
// execution, which is stored with status created before Trigger returns.
// The run outlives ctx; cancel it with Cancel.
func (e *Engine) Trigger(ctx context.Context, planID string, opts *RunOpts) (string, error) {
	job, err := e.prepare(ctx, planID, opts, time.Time{}, e.cfg.Location)
	if err != nil {
		return "", err
	}
	go e.execute(job)
	return job.execution.ID, nil
}

// Cancel cancels a running execution of this engine. The execution is
// stored as canceled.
func (e *Engine) Cancel(executionID string) error {
	e.mu.Lock()
	j, ok := e.inflight[executionID]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrExecutionNotFound, executionID)
	}
	j.cancel()
	return nil
}

// tick is the scheduler's callback: it runs the plan's tick due at due,
// recorded as the execution's ScheduledAt, in the tick's location.
func (e *Engine) tick(ctx context.Context, planID string, due time.Time) {
	location := e.tickLocation(ctx, planID)
	job, err := e.prepare(ctx, planID, &RunOpts{Trigger: record.TriggerSchedule}, due, location)
	switch {
	case err != nil && e.ranBefore(ctx, planID, due, location, err):
		e.duplicateTick(ctx, planID, due, location)
		return
	case errors.Is(err, ErrOverlap):
		e.overlapTick(ctx, planID, due, location)
		return
	case errors.Is(err, ErrClosed):
		e.tickSkipped(ctx, planID, due, record.SkipClosed)
		return
	case errors.Is(err, ErrPlanNotFound):
		// The plan was removed as its tick came due.
		e.removedPlanTick(ctx, planID, due)
		return
	case err != nil:
		e.cfg.Logger.Error("smokex: scheduled run not started", "plan", planID, "error", err)
		e.tickSkipped(ctx, planID, due, record.SkipError)
		return
	}
	stop := context.AfterFunc(ctx, job.cancel)
	defer stop()
	e.execute(job)
}

// tickLocation is the location of a tick of planID: the one the scheduler
// names (schedule.TickLocation); for a plan with locations on a scheduler
// that names none, this engine's Config.Location; "" for a tick of a plan
// without locations, whichever process runs it, so that the store keeps
// one execution per tick.
func (e *Engine) tickLocation(ctx context.Context, planID string) string {
	if loc := schedule.TickLocation(ctx); loc != "" {
		return loc
	}
	if _, ok := e.sched.(schedule.LocationScheduler); ok {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if lp, ok := e.plans[planID]; ok && len(lp.plan.Locations) > 0 {
		return e.cfg.Location
	}
	return ""
}

// ranBefore reports whether err, from admitting the run of a tick, says
// that the tick has an execution already: the store refused a second one
// (ErrConflict), or the plan is busy (ErrOverlap) with this very tick. It
// happens when a tick is handed over again after the process running it
// died; then that execution, left in flight, is finished as interrupted.
func (e *Engine) ranBefore(ctx context.Context, planID string, due time.Time, location string, err error) bool {
	conflict := errors.Is(err, storage.ErrConflict)
	if due.IsZero() || !conflict && !errors.Is(err, ErrOverlap) {
		return false
	}
	params := &storage.ListExecutionsParams{
		PlanID:   planID,
		Statuses: []record.Status{record.StatusCreated, record.StatusRunning},
		Limit:    storage.MaxListLimit,
	}
	page, lerr := e.store.ListExecutions(ctx, params)
	if lerr != nil {
		e.cfg.Logger.Error("smokex: looking for the earlier execution of a tick", "plan", planID, "due", due, "error", lerr)
		return conflict
	}
	for _, x := range page.Executions {
		if !x.ScheduledAt.Equal(due) || x.Location != location {
			continue
		}
		e.mu.Lock()
		_, ours := e.inflight[x.ID]
		e.mu.Unlock()
		if ours {
			return true
		}
		if err := e.interrupt(ctx, x); err != nil {
			e.cfg.Logger.Error("smokex: finishing an interrupted execution", "plan", planID, "execution", x.ID, "error", err)
		}
		return true
	}
	// On a conflict, the tick's execution finished, or the conflict was
	// another one (the plan was deleted meanwhile): either way the tick is
	// not run. On an overlap, another tick's execution is in flight.
	return conflict
}

// duplicateTick logs a tick of planID due at due in location that was
// not run, or not stored, because it has an execution already, and
// tells the hooks.
func (e *Engine) duplicateTick(ctx context.Context, planID string, due time.Time, location string) {
	e.cfg.Logger.Info("smokex: scheduled run skipped, its tick has an execution already", "plan", planID, "due", due, "location", location)
	e.tickSkipped(ctx, planID, due, record.SkipDuplicate)
}

// overlapTick counts and logs a tick of planID due at due in location
// that was not run, or not stored, because another execution of the plan
// was in flight (OverlapSkip), and tells the hooks.
func (e *Engine) overlapTick(ctx context.Context, planID string, due time.Time, location string) {
	e.skippedTicks.Add(1)
	e.cfg.Logger.Info("smokex: scheduled run skipped, previous execution still running", "plan", planID, "due", due, "location", location)
	e.tickSkipped(ctx, planID, due, record.SkipOverlap)
}

// removedPlanTick logs a tick of planID due at due that was not run, or
// not stored, because the plan was removed, and tells the hooks.
func (e *Engine) removedPlanTick(ctx context.Context, planID string, due time.Time) {
	e.cfg.Logger.Debug("smokex: scheduled run of a removed plan not started, or not stored", "plan", planID, "due", due)
	e.tickSkipped(ctx, planID, due, record.SkipUnknownPlan)
}

// tickSkipped tells the hooks of a tick of planID that did not run.
func (e *Engine) tickSkipped(ctx context.Context, planID string, due time.Time, reason record.SkipReason) {
	if len(e.hooks.skipped) == 0 {
		return
	}
	e.mu.Lock()
	var ref *record.PlanRef
	if lp, ok := e.plans[planID]; ok {
		ref = lp.ref
	}
	e.mu.Unlock()
	e.hooks.tickSkipped(ctx, planID, ref, due.UTC(), reason)
}

// job is a run that prepare admitted and execute runs.
type job struct {
	plan *plan.Plan
	ref  *record.PlanRef
	vars map[string]any
	// opts are the caller's; never nil.
	opts      *RunOpts
	execution *record.Execution
	// ctx is the run's context; execute derives it through the
	// ExecutionContext hooks before the run waits for a slot.
	ctx    context.Context
	cancel context.CancelFunc
	// finished is set by Engine.finish, under Engine.mu.
	finished bool
	// unstored lists the step results the store refused, for the
	// execution's error. The executor reports steps one at a time.
	unstored []unstored
	// last is the result of the run's last step, held from its end to
	// the run's finish, which stores it (storage.ExecutionFinisher), and
	// lastEvent its step_finished event, made when the step ended and
	// published once it is stored.
	last      *record.StepResult
	lastEvent Event
	// createdRunning is set when prepare took the run's concurrency slot
	// for a tick it found in time, and stored the execution as running
	// (or left it unwritten): executeInSlot does not wait for a slot or
	// check the tick's lateness again, and gives the slot back; the start
	// is written again only if an ExecutionContext hook gave the
	// execution a trace ID since.
	createdRunning bool
	// skipped is the execution as prepare stored it, finished, for a tick
	// that was too late when it was admitted: such a job is no run in
	// flight (not counted in Engine.running, not in Engine.inflight),
	// takes no slot, and abort only tells of its start and finish.
	skipped *record.Execution
	// unwritten, for a tick prepare created running on a store that
	// creates executions finished (storage.FinishedCreator), is its
	// execution's first write, which admit did not make: the run is
	// written once, when it ends, unless it needs a row before
	// (unwrittenRun).
	unwritten *unwrittenRun
}

// prepare admits a run: the engine is open, the plan known, the overlap
// policy respected; it stores the execution as created. due is the due
// time of the tick that asks, zero for other runs; location is where it
// runs from. A tick that finds a concurrency slot free and is not too
// late to start (tooLate) takes the slot now and is stored as running
// from the slot's time (the executor's start time replaces it at the
// finish): its start is then not a write of its own. On a store that
// creates executions finished (storage.FinishedCreator) such a tick is
// not written at all here: its execution is created by its finish,
// finished with its steps, in one write, or as running when the run
// needs a row before (leaveUnwritten), and the store's guards (the
// plan's revision, its overlap, one execution per tick) are checked
// then, by that write (writeFirst). A tick already too
// late when it is admitted is stored at once as skipped (canceled, stop
// reason skipped, an error of kind late), finished in its create's one
// write: it is no run in flight, takes no slot and does not count for the
// overlap policy, so that the plan's other ticks that reach the engine
// with it (those a scheduler caught up after a restart, the latest still
// in time among them) are each admitted as if it had not come. The store
// still keeps one execution per tick: the same tick handed over again is
// refused as a duplicate. A tick in time that waits for a slot and is
// late once it holds one is skipped then, never stored as running. A run
// whose create finds that its plan changed in the store since this
// engine read it (resolvePlan) is admitted once more, with the plan read
// again.
func (e *Engine) prepare(ctx context.Context, planID string, opts *RunOpts, due time.Time, location string) (*job, error) {
	if opts == nil {
		opts = &RunOpts{}
	}
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	j, err := e.admit(ctx, planID, opts, due, location)
	if errors.Is(err, storage.ErrPlanChanged) {
		// The plan changed in the store since this engine read it: the
		// run is admitted again with the plan as it is now.
		j, err = e.admit(ctx, planID, opts, due, location)
	}
	if err != nil {
		return nil, err
	}
	e.hooks.executionCreated(ctx, j.ref, j.execution)
	e.publish(EventExecutionCreated, j.ref, j.execution, nil)
	return j, nil
}

// admit is prepare but for the events: it admits the run and stores its
// execution, of the plan resolvePlan gives, guarded by the revision that
// comes with it (createGuard), unless it leaves a tick in time unwritten
// (leaveUnwritten), for its first write to check that guard. When the
// store refuses it because the plan changed since it was read (an error
// wrapping storage.ErrPlanChanged) or is gone (ErrPlanNotFound), what
// was read of the plan is forgotten, for the next run to read it again.
func (e *Engine) admit(ctx context.Context, planID string, opts *RunOpts, due time.Time, location string) (*job, error) {
	trigger := opts.Trigger
	if trigger == "" {
		trigger = record.TriggerManual
	}
	lp, revision, err := e.resolvePlan(ctx, planID, !due.IsZero())
	if err != nil {
		return nil, err
	}
	x := &record.Execution{
		ID:        newExecutionID(),
		PlanID:    planID,
		PlanName:  lp.plan.Name,
		Trigger:   trigger,
		Status:    record.StatusCreated,
		CreatedAt: e.cfg.now().UTC(),
		// The due time in UTC, to the microsecond the stores keep, so that
		// the execution reads back as it went in.
		ScheduledAt: due.UTC().Truncate(time.Microsecond),
		Location:    location,
		Source:      lp.source,
	}
	j := &job{plan: lp.plan, ref: lp.ref, execution: x, vars: e.vars(opts.Vars), opts: opts}
	// A tick already too late is no run: it is stored skipped below,
	// counts for no overlap and takes no slot.
	late := e.tooLate(j)
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	if late == nil {
		if e.cfg.Overlap == OverlapSkip && e.running[planID] > 0 {
			e.mu.Unlock()
			return nil, fmt.Errorf("%w: %s", ErrOverlap, planID)
		}
		e.running[planID]++
		e.inflight[x.ID] = j
		if e.recovering != nil {
			e.recovering[x.ID] = struct{}{}
		}
	}
	j.ctx, j.cancel = context.WithCancel(e.runCtx)
	e.runs.Add(1)
	e.mu.Unlock()

	stored := x
	switch {
	case late != nil:
		j.skipped = e.unrun(ctx, j, x, late, record.StatusCanceled, record.StopSkipped, true)
		stored = j.skipped
	case !due.IsZero():
		select {
		case e.sem <- struct{}{}:
			j.createdRunning = true
			running := *x
			running.Status, running.StartedAt = record.StatusRunning, e.cfg.now().UTC()
			stored = &running
		default:
		}
	}
	guard := e.createGuard(stored, revision)
	if j.createdRunning && e.leaveUnwritten(ctx, j, stored, guard) {
		return j, nil
	}
	if err := e.createAdmitted(ctx, stored, guard); err != nil {
		if j.createdRunning {
			<-e.sem
		}
		e.release(j)
		switch {
		case errors.Is(err, ErrOverlap):
			return nil, err
		case revision != 0 && errors.Is(err, storage.ErrNotFound):
			e.forgetStored(planID)
			return nil, fmt.Errorf("%w: %s", ErrPlanNotFound, planID)
		case errors.Is(err, storage.ErrPlanChanged):
			e.forgetStored(planID)
			return nil, fmt.Errorf("smokex: storing execution of %s: %w", planID, err)
		}
		if _, perr := e.Plan(planID); due.IsZero() && errors.Is(perr, ErrPlanNotFound) {
			// A run asked for by a caller, whose plan was removed while its
			// execution was stored, which is why the store refused it.
			return nil, fmt.Errorf("%w: %s was removed as its run started", ErrPlanNotFound, planID)
		}
		if !errors.Is(err, storage.ErrConflict) || due.IsZero() {
			e.hooks.storeWriteFailed(ctx, j.ref, x.ID, "create_execution", err)
		}
		return nil, fmt.Errorf("smokex: storing execution of %s: %w", planID, err)
	}
	e.confirmStored(planID, guard.Revision)
	return j, nil
}

// newExecutionID returns a time-ordered id.
func newExecutionID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// vars merges the engine's variables under the caller's.
func (e *Engine) vars(caller map[string]any) map[string]any {
	if len(e.cfg.Vars) == 0 {
		return caller
	}
	out := maps.Clone(e.cfg.Vars)
	maps.Copy(out, caller)
	return out
}

// execute waits for a slot, runs the job and returns its finished
// execution.
func (e *Engine) execute(j *job) *record.Execution {
	defer e.release(j)
	if len(e.hooks.contexts) > 0 && j.skipped == nil {
		// A tick prepare stored skipped never runs: it gets no trace, as
		// its stored execution has none.
		j.ctx = e.hooks.executionContext(j.ctx, j.ref, j.execution)
	}
	x := e.executeInSlot(j)
	if !j.storeRefused() {
		// A run the store refused (writeFirst) is a skipped tick, told
		// as one (TickSkipped), as at admission: no finished run.
		e.hooks.executionFinished(context.WithoutCancel(j.ctx), j.ref, x)
	}
	e.budgetDue(j.ref)
	return x
}

// executeInSlot runs the job once it holds a concurrency slot, the one
// prepare took or one it waits for, which it gives back on return. A job
// prepare stored skipped, too late, needs none.
func (e *Engine) executeInSlot(j *job) *record.Execution {
	obs := &engineObserver{e: e, job: j}
	if j.skipped != nil {
		e.noteLateness(j)
		return e.skipLate(obs, j.skipped.Error, slog.LevelInfo)
	}
	canceled := func() *record.Execution {
		return obs.abort(j.execution, &record.StepError{Kind: record.ErrCanceled, Message: "canceled before it started"}, record.StatusCanceled, record.StopCanceled)
	}
	if j.createdRunning {
		defer func() { <-e.sem }()
		if j.ctx.Err() != nil {
			return canceled()
		}
	} else {
		select {
		case e.sem <- struct{}{}:
			defer func() { <-e.sem }()
		case <-j.ctx.Done():
			return canceled()
		}
	}
	e.noteLateness(j)
	if !j.createdRunning { // prepare checked the lateness of a tick it created running
		if late := e.tooLate(j); late != nil {
			return e.skipLate(obs, late, slog.LevelWarn)
		}
	}
	secrets, err := e.secrets(j.ctx, j.plan)
	if err != nil && j.ctx.Err() != nil {
		// The run was canceled while a slow source was asked.
		return obs.abort(j.execution, &record.StepError{Kind: record.ErrCanceled, Message: "canceled while reading its secrets"}, record.StatusCanceled, record.StopCanceled)
	}
	if err != nil {
		return obs.abort(j.execution, &record.StepError{Kind: record.ErrInterpolation, Message: err.Error()}, record.StatusFailed, "")
	}
	for name, v := range j.opts.Secrets {
		if secrets == nil {
			secrets = make(map[string]string, len(j.opts.Secrets))
		}
		secrets[name] = v
	}
	lookupEnv := j.opts.LookupEnv
	if lookupEnv == nil {
		lookupEnv = e.cfg.LookupEnv
	}
	return e.runner.RunExecution(j.ctx, j.plan, j.execution, &exec.RunOpts{
		Vars:        j.vars,
		Secrets:     secrets,
		LookupEnv:   lookupEnv,
		HaltOnError: j.opts.HaltOnError,
		Observer:    obs,
	})
}

// noteLateness records how late j's tick is now, for the heartbeat's
// lateness (Engine.Locations): a tick's, when it starts or is skipped as
// too late; nothing for a run that is not a tick.
func (e *Engine) noteLateness(j *job) {
	if due := j.execution.ScheduledAt; !due.IsZero() {
		e.lateness.Store(int64(e.cfg.now().Sub(due)))
	}
}

// skipLate ends j's tick, too late to start by what late says, as
// skipped: stored canceled with stop reason skipped and the error late
// (unless prepare stored it so), told to the hooks and subscribers as
// started and finished, and to the hooks as a tick skipped as late. It
// logs at level: a tick late when it came (one a scheduler caught up
// after a restart, of which there may be thousands) at info, one that
// became late waiting for a slot (the engine's runs do not keep up) at
// warning.
func (e *Engine) skipLate(obs *engineObserver, late *record.StepError, level slog.Level) *record.Execution {
	x := obs.job.execution
	e.cfg.Logger.Log(context.WithoutCancel(obs.job.ctx), level, "smokex: scheduled run skipped, its tick is too late to start", "plan", x.PlanID, "due", x.ScheduledAt, "error", late.Message)
	x = obs.abort(x, late, record.StatusCanceled, record.StopSkipped)
	e.tickSkipped(context.WithoutCancel(obs.job.ctx), x.PlanID, x.ScheduledAt, record.SkipLate)
	return x
}

// tooLate returns the error of a scheduled tick that can no longer start
// in time: now is past its due time by its plan's interval (from the due
// time to the next), or by Config.MaxLateness when that is shorter. It
// returns nil for a tick in time, and for a run that is not a tick.
func (e *Engine) tooLate(j *job) *record.StepError {
	due := j.execution.ScheduledAt
	if due.IsZero() {
		return nil
	}
	now := e.cfg.now()
	late := now.Sub(due)
	bound, what := e.cfg.MaxLateness, "the engine's MaxLateness"
	if interval := tickInterval(j.plan, due); interval > 0 && (bound == 0 || interval < bound) {
		bound, what = interval, "its plan's interval"
	}
	if bound <= 0 || late <= bound {
		return nil
	}
	return &record.StepError{Kind: record.ErrLate, Message: fmt.Sprintf(
		"the tick due at %s could not start before %s, %s late, past %s of %s: skipped, not run late",
		due.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano), late.Round(time.Millisecond), what, bound)}
}

// tickInterval returns the interval from the tick of p due at due to its
// next, zero when p's schedule does not tell.
func tickInterval(p *plan.Plan, due time.Time) time.Duration {
	sched, err := cronspec.ForEntry(p.ID, p.Schedule)
	if err != nil {
		return 0
	}
	return max(sched.Next(due).Sub(due), 0)
}

// secrets resolves the secrets the plan declares.
func (e *Engine) secrets(ctx context.Context, p *plan.Plan) (map[string]string, error) {
	if len(p.Secrets) == 0 {
		return nil, nil
	}
	if e.cfg.Secrets == nil {
		return nil, fmt.Errorf("secret %s is not set: the engine reads no secrets (smokex.Config.Secrets; smokex serve --secret %s)", p.Secrets[0], p.Secrets[0])
	}
	out := make(map[string]string, len(p.Secrets))
	for _, name := range p.Secrets {
		v, ok, err := e.cfg.Secrets.Secret(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("reading secret %s: %w", name, err)
		}
		if !ok {
			return nil, fmt.Errorf("secret %s is not set", name)
		}
		out[name] = v
	}
	return out, nil
}

// engineObserver is the chain every run reports to: store the result, tell
// the configured observers, publish to subscribers, and at the end hand the
// execution to the alert policy. The executor's PlanRef is not used: hooks
// and the run's observer see the one made when the plan was loaded.
type engineObserver struct {
	record.HookDefaults
	e   *Engine
	job *job
}

// The hooks engineObserver implements for the executor.
var (
	_ record.ExecutionStartedHook  = (*engineObserver)(nil)
	_ record.StepHook              = (*engineObserver)(nil)
	_ record.StepPollingHook       = (*engineObserver)(nil)
	_ record.StepFinishedHook      = (*engineObserver)(nil)
	_ record.ExecutionFinishedHook = (*engineObserver)(nil)
)

// saveExecution stores x's start or finish; a write that fails for good
// is logged and told to the hooks.
func (o *engineObserver) saveExecution(ctx context.Context, x *record.Execution) {
	if err := o.e.saveExecution(ctx, x); err != nil {
		o.e.cfg.Logger.Error("smokex: storing execution", "plan", x.PlanID, "execution", x.ID, "status", x.Status, "error", err)
		o.e.hooks.storeWriteFailed(ctx, o.job.ref, x.ID, "update_execution", err)
	}
}

// ExecutionStarted stores x's start, unless the execution was stored as
// running when it was created and no hook has given it a trace ID since,
// or is not written yet (job.unwritten): its first write, whichever it
// is, carries the start and the trace ID. (An execution that never
// reaches the executor is not started here: abort stores it once.)
func (o *engineObserver) ExecutionStarted(ctx context.Context, _ *record.PlanRef, x *record.Execution) {
	written := o.job.unwritten == nil || o.job.started(x)
	if written && (!o.job.createdRunning || x.TraceID != "") {
		o.saveExecution(ctx, x)
	}
	o.started(ctx, x)
}

// started tells the hooks, the subscribers and the run's observer of x's
// start, once it is stored.
func (o *engineObserver) started(ctx context.Context, x *record.Execution) {
	o.e.hooks.executionStarted(ctx, o.job.ref, x)
	o.e.publish(EventExecutionStarted, o.job.ref, x, nil)
	if ob, ok := o.job.opts.Observer.(record.ExecutionStartedHook); ok {
		ob.ExecutionStarted(ctx, o.job.ref, x)
	}
}

// WrapStep runs the step inside the hooks' WrapStep.
func (o *engineObserver) WrapStep(ctx context.Context, _ *record.PlanRef, x *record.Execution, index int, doInner func(context.Context) *record.StepResult) {
	o.e.hooks.wrapStep(ctx, o.job.ref, x, index, doInner)
}

// StepPolling tells the run's observer, the one that shows a wait; a
// poll's attempts are not stored or published before the step finishes.
func (o *engineObserver) StepPolling(ctx context.Context, _ *record.PlanRef, x *record.Execution, r *record.StepResult, next, deadline time.Time) {
	if ob, ok := o.job.opts.Observer.(record.StepPollingHook); ok {
		ob.StepPolling(ctx, o.job.ref, x, r, next, deadline)
	}
}

// StepFinished stores r and publishes its step_finished event, which a
// subscriber may answer by reading the execution: an event never
// announces a step the store does not hold yet. The run's last step, on
// a store that writes it with the finish (storage.ExecutionFinisher), is
// held for the finish, and so is its event, made now. Another step of
// an execution not written yet has it written as running first
// (writeRunning); when the store refuses that write, the run is a
// skipped tick: its step is neither told nor published. The hooks are
// told at once, inside the step's WrapStep.
func (o *engineObserver) StepFinished(ctx context.Context, _ *record.PlanRef, x *record.Execution, r *record.StepResult) {
	if _, ok := o.e.store.(storage.ExecutionFinisher); ok && r.Index == len(x.Steps)-1 {
		// The last step: the finish follows at once and stores it.
		o.job.last = r
	} else if appendable, err := o.e.writeRunning(context.WithoutCancel(ctx), o.job); appendable {
		o.storeStep(ctx, x, r)
	} else if err != nil {
		// The execution's create failed: there is no row to append to.
		o.job.unstored = append(o.job.unstored, unstored{index: r.Index, name: r.Name, err: err})
	} else {
		// The store refused the run: it is a skipped tick, canceled,
		// whose steps are neither told nor published.
		return
	}
	o.e.hooks.stepFinished(ctx, o.job.ref, x, r)
	if o.job.last == r {
		o.job.lastEvent = o.e.event(EventStepFinished, o.job.ref, x, r)
	} else {
		o.e.publish(EventStepFinished, o.job.ref, x, r)
	}
	if ob, ok := o.job.opts.Observer.(record.StepFinishedHook); ok {
		ob.StepFinished(ctx, o.job.ref, x, r)
	}
}

// storeStep appends r; a write that fails for good is logged, told to the
// hooks and listed for the execution's error.
func (o *engineObserver) storeStep(ctx context.Context, x *record.Execution, r *record.StepResult) {
	if err := o.e.appendStep(ctx, x, r); err != nil {
		o.e.cfg.Logger.Error("smokex: storing step result", "plan", x.PlanID, "execution", x.ID, "step", r.Index, "error", err)
		o.e.hooks.storeWriteFailed(ctx, o.job.ref, x.ID, "append_step", err)
		if !errors.Is(err, storage.ErrConflict) {
			// A conflict means a result with its index is stored.
			o.job.unstored = append(o.job.unstored, unstored{index: r.Index, name: r.Name, err: err})
		}
	}
}

// ExecutionFinished stores the finish with the result of the last step,
// held for it, in one write (storage.ExecutionFinisher). When a step
// before it could not be stored, or that write fails, the last step and
// the finish are written one after the other, as to a store without it.
// An execution not written yet (job.unwritten) is created finished with
// the last step in its one write (createFirst), and one the store
// refused is not written. The finish is written with the maintenance x
// finished in, and on a store that applies the plan's pause in that
// write (storage.PauseFinisher) x then carries the one stored, before
// the hooks, the subscribers and the alert policy are told. The last
// step's step_finished event goes out once they are written, before
// execution_finished.
func (o *engineObserver) ExecutionFinished(ctx context.Context, _ *record.PlanRef, x *record.Execution) {
	last, lastEvent := o.job.last, o.job.lastEvent
	o.job.last, o.job.lastEvent = nil, Event{}
	switch o.job.finishWrite() {
	case finishCreates:
		o.createFinished(ctx, x, last)
	case finishStored:
		o.finishStored(ctx, x, last)
	}
	if last != nil && !o.job.storeRefused() {
		o.e.deliver(lastEvent)
	}
	o.finished(ctx, x)
}

// createFinished creates x, not written yet, finished with last, the
// result of its last step held for it when not nil, in one write
// (createFirst). When that write finds the run's own row, written by an
// earlier write that reported a failure, x's finish is written to it
// as to any stored execution (finishStored).
func (o *engineObserver) createFinished(ctx context.Context, x *record.Execution, last *record.StepResult) {
	var steps []*record.StepResult
	if last != nil {
		steps = append(steps, last)
	}
	unsettled := x.Error
	if unsettled != nil {
		e := *unsettled
		unsettled = &e
	}
	o.settle(ctx, x)
	if o.e.createFirst(ctx, o.job, x, steps) == firstFoundStored {
		// finishStored settles x again, after the last step's append.
		x.Error = unsettled
		o.finishStored(ctx, x, last)
	}
}

// finishStored writes the finish of x, stored, with last, the result of
// its last step held for it when not nil (ExecutionFinished).
func (o *engineObserver) finishStored(ctx context.Context, x *record.Execution, last *record.StepResult) {
	together := last != nil && len(o.job.unstored) == 0
	if last != nil && !together {
		o.storeStep(ctx, x, last)
	}
	o.settle(ctx, x)
	if !together || !o.finishWithStep(ctx, x, last) {
		if together {
			o.storeStep(ctx, x, last)
			// The first markIncomplete found none unstored.
			markIncomplete(x, o.job.unstored)
		}
		o.saveExecution(ctx, x)
	}
}

// settle gives x, about to be stored as finished, the error that names
// the steps that could not be stored and the maintenance it finished in.
func (o *engineObserver) settle(ctx context.Context, x *record.Execution) {
	markIncomplete(x, o.job.unstored)
	if x.Status.Done() && x.Maintenance == "" {
		x.Maintenance = o.e.maintenanceOf(ctx, o.job, x, false)
	}
}

// finished counts x's run out of its plan's runs in flight (Engine.finish)
// and tells the subscribers and the run's observer of x's finish, once it
// is stored; a run the store refused (writeFirst) is not published.
func (o *engineObserver) finished(ctx context.Context, x *record.Execution) {
	o.e.finish(o.job)
	if !o.job.storeRefused() {
		o.e.publish(EventExecutionFinished, o.job.ref, x, nil)
	}
	if ob, ok := o.job.opts.Observer.(record.ExecutionFinishedHook); ok {
		ob.ExecutionFinished(ctx, o.job.ref, x)
	}
}

// finishWithStep stores x's finish with last in one write and reports
// whether it did; a failure is logged, for the writes one at a time that
// follow.
func (o *engineObserver) finishWithStep(ctx context.Context, x *record.Execution, last *record.StepResult) bool {
	err := o.e.finishExecution(ctx, x, last)
	if err != nil {
		o.e.cfg.Logger.Warn("smokex: storing execution with its last step, storing them one at a time", "plan", x.PlanID, "execution", x.ID, "step", last.Index, "error", err)
	}
	return err == nil
}

// abort finishes an execution that never reached the executor, with
// status, the stop reason reason and the error cause. Hooks and
// subscribers see it start and finish, as every other execution, and as
// the executor reports one that it cannot run; the store gets one write,
// its start and finish together (unrun), made before either is told, so
// that a reader of the store finds both on either event. For a job
// prepare stored finished (job.skipped) that write was its create: abort
// makes none and tells what was stored. The execution the start is told
// with, as before its finish, carries no maintenance yet.
func (o *engineObserver) abort(x *record.Execution, cause *record.StepError, status record.Status, reason record.StopReason) *record.Execution {
	ctx := context.WithoutCancel(o.job.ctx)
	stored := o.job.skipped
	if stored == nil {
		stored = o.e.unrun(ctx, o.job, x, cause, status, reason, false)
		switch o.job.finishWrite() {
		case finishCreates:
			if o.e.createFirst(ctx, o.job, stored, nil) == firstFoundStored {
				o.saveExecution(ctx, stored)
			}
		case finishStored:
			o.saveExecution(ctx, stored)
		}
	}
	x.StartedAt, x.FinishedAt = stored.StartedAt, stored.FinishedAt
	x.Status, x.StopReason, x.Error = stored.Status, stored.StopReason, stored.Error
	o.started(ctx, x)
	x.Maintenance = stored.Maintenance
	o.finished(ctx, x)
	return x
}

// unrun returns a copy of j's execution x as it is stored when it ends
// without reaching the executor: with status, the stop reason reason and
// the error cause, started (unless it was) and finished now, with the
// maintenance it finished in (maintenanceOf). created says it is stored
// by its create (a tick too late when admitted) rather than by a finish.
func (e *Engine) unrun(ctx context.Context, j *job, x *record.Execution, cause *record.StepError, status record.Status, reason record.StopReason, created bool) *record.Execution {
	ended := *x
	now := e.cfg.now().UTC()
	if ended.StartedAt.IsZero() {
		ended.StartedAt = now
	}
	ended.FinishedAt = now
	ended.Status, ended.StopReason, ended.Error = status, reason, cause
	ended.Maintenance = e.maintenanceOf(ctx, j, &ended, created)
	return &ended
}

// finish counts j's run out of the plan's runs in flight: from then on
// the plan may start again and Cancel no longer finds the execution. It is
// called once the execution is stored as finished, before the finish is
// published, so that a subscriber that sees it may run the plan again.
// Calls after the first do nothing, and so do those for a job prepare
// stored skipped, never counted in.
func (e *Engine) finish(j *job) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if j.finished || j.skipped != nil {
		return
	}
	j.finished = true
	if e.closed && j.execution.Status == record.StatusCanceled {
		e.canceledAtStop = true
	}
	e.running[j.plan.ID]--
	if e.running[j.plan.ID] == 0 {
		delete(e.running, j.plan.ID)
	}
	delete(e.inflight, j.execution.ID)
}

// release ends j: Stop waits for every job to be released. The bound's
// timer of a run left unwritten makes no write from then on, for a run
// that unwinds before its finish too (a hook that panicked).
func (e *Engine) release(j *job) {
	j.cancel()
	j.unwritten.stop()
	e.finish(j)
	e.runs.Done()
}

// publish sends a snapshot of x to subscribers.
func (e *Engine) publish(t EventType, p *record.PlanRef, x *record.Execution, step *record.StepResult) {
	e.deliver(e.event(t, p, x, step))
}

// event returns the event of type t with a snapshot of x, taken now. Only
// the finished event carries the step results.
func (e *Engine) event(t EventType, p *record.PlanRef, x *record.Execution, step *record.StepResult) Event {
	snap := *x
	if t == EventExecutionFinished {
		snap.Steps = slices.Clone(x.Steps)
	} else {
		snap.Steps = nil
	}
	ev := Event{Type: t, Time: e.cfg.now().UTC(), Plan: p, Execution: &snap}
	if step != nil {
		s := *step
		ev.Step = &s
	}
	return ev
}

// deliver sends ev to subscribers.
func (e *Engine) deliver(ev Event) {
	for range e.hub.publish(ev) {
		e.hooks.eventDropped(context.Background(), ev.Plan, ev.Execution)
	}
}
