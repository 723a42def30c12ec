package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// compareKey orders executions by CreatedAt, then ID.
func compareKey(at time.Time, id string, bAt time.Time, bID string) int {
	if c := at.Compare(bAt); c != 0 {
		return c
	}
	return strings.Compare(id, bID)
}

// compareRecords orders records by CreatedAt, then ID.
func compareRecords(a, b *execRecord) int {
	return compareKey(a.exec.CreatedAt, a.exec.ID, b.exec.CreatedAt, b.exec.ID)
}

// CreateExecution stores a new execution without its steps.
func (s *Store) CreateExecution(ctx context.Context, e *record.Execution) error {
	_, err := s.create(ctx, e, nil, nil, nil, false)
	return err
}

// CreateExecutionExclusive implements storage.ExclusiveCreator: it stores
// e unless an execution of its plan created at or after since is in
// flight.
func (s *Store) CreateExecutionExclusive(ctx context.Context, e *record.Execution, since time.Time) error {
	_, err := s.create(ctx, e, nil, nil, &since, false)
	return err
}

// CreateExecutionIfRevision implements storage.RevisionCreator: it stores
// e as CreateExecution does when its plan has the revision.
func (s *Store) CreateExecutionIfRevision(ctx context.Context, e *record.Execution, revision int64) error {
	_, err := s.create(ctx, e, nil, &revision, nil, false)
	return err
}

// CreateExecutionExclusiveIfRevision implements storage.RevisionCreator:
// it stores e as CreateExecutionExclusive does when its plan has the
// revision.
func (s *Store) CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error {
	_, err := s.create(ctx, e, nil, &revision, &since, false)
	return err
}

// CreateFinished implements storage.FinishedCreator: it stores e with
// steps, under g, and the plan's pause, under one lock.
func (s *Store) CreateFinished(ctx context.Context, e *record.Execution, steps []*record.StepResult, g storage.CreateGuard) (string, error) {
	if e != nil && !e.Status.Done() {
		return "", errorf("create finished execution %q: status %q is not final", e.ID, e.Status)
	}
	var revision *int64
	if g.Revision != 0 {
		revision = &g.Revision
	}
	var since *time.Time
	if g.Exclusive {
		since = &g.Since
	}
	return s.create(ctx, e, steps, revision, since, true)
}

// inFlightSince reports whether the plan has an execution created or
// running that was created at or after since.
func (p *planRecord) inFlightSince(since time.Time, location string) bool {
	for i := len(p.execs) - 1; i >= 0; i-- {
		x := &p.execs[i].exec
		if x.CreatedAt.Before(since) {
			return false // older still, in the (CreatedAt, ID) order
		}
		if !x.Status.Done() && x.Location == location {
			return true
		}
	}
	return false
}

// create stores e; with a revision, only when its plan has it; with a
// since, only when its plan has no execution in flight created since
// then. steps are e's results, stored with it. finished says e is
// stored by CreateFinished: a plan that does not exist is then
// ErrNotFound, and the plan's pause is applied. It returns the
// Maintenance it stored.
func (s *Store) create(ctx context.Context, e *record.Execution, steps []*record.StepResult, revision *int64, since *time.Time, finished bool) (string, error) {
	if err := check(ctx); err != nil {
		return "", err
	}
	if e == nil {
		return "", errorf("create execution: nil execution")
	}
	if e.ID == "" {
		return "", errorf("create execution: empty ID: %w", storage.ErrConflict)
	}
	copies, err := stepsIn(steps)
	if err != nil {
		return "", err
	}
	rec := &execRecord{exec: *e}
	rec.exec.Steps = nil
	rec.exec.Error = copyStepError(e.Error)
	if rec.exec.CreatedAt.IsZero() {
		rec.exec.CreatedAt = s.currentTime()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	plan, ok := s.plans[e.PlanID]
	switch {
	case !ok && (revision != nil || finished):
		return "", errorf("create execution %q: plan %q: %w", e.ID, e.PlanID, storage.ErrNotFound)
	case !ok:
		return "", errorf("create execution %q: plan %q does not exist: %w", e.ID, e.PlanID, storage.ErrConflict)
	case revision != nil && plan.plan.Revision != *revision:
		return "", errorf("create execution %q: plan %q has revision %d, not %d: %w", e.ID, e.PlanID, plan.plan.Revision, *revision, storage.ErrPlanChanged)
	}
	// The guards first, as PostgreSQL checks them: an exclusive create
	// whose own ID is in flight is busy before it is a conflict.
	if since != nil && plan.inFlightSince(*since, e.Location) {
		return "", errorf("create execution %q: plan %q: %w", e.ID, e.PlanID, storage.ErrBusy)
	}
	if _, ok := s.execs[e.ID]; ok {
		return "", errorf("create execution %q: exists: %w", e.ID, storage.ErrConflict)
	}
	if err := checkSteps(e.ID, copies); err != nil {
		return "", err
	}
	if !e.ScheduledAt.IsZero() {
		key := scheduledKey(e)
		if _, ok := plan.scheduled[key]; ok {
			return "", errorf("create execution %q: plan %q has an execution scheduled at %s in location %q: %w", e.ID, e.PlanID, e.ScheduledAt.UTC().Format(time.RFC3339Nano), e.Location, storage.ErrConflict)
		}
		if plan.scheduled == nil {
			plan.scheduled = map[scheduled]struct{}{}
		}
		plan.scheduled[key] = struct{}{}
	}
	if finished {
		rec.exec.Maintenance = plan.pauseOver(e.Maintenance, e.FinishedAt, s.currentTime)
	}
	s.execs[e.ID] = rec
	// Executions mostly arrive in order: append, else insert in place.
	if n := len(plan.execs); n == 0 || compareRecords(plan.execs[n-1], rec) < 0 {
		plan.execs = append(plan.execs, rec)
	} else {
		i, _ := slices.BinarySearchFunc(plan.execs, rec, compareRecords)
		plan.execs = slices.Insert(plan.execs, i, rec)
	}
	rec.size = sizeOfExecution(&rec.exec)
	s.bytes += rec.size
	s.addSteps(rec, copies)
	if rec.exec.Status.Done() {
		plan.done++
		plan.countUptime(&rec.exec)
		s.finish(rec)
	}
	s.bound(plan)
	s.trim()
	return rec.exec.Maintenance, nil
}

// bound drops the plan's oldest finished executions while it holds more
// than the store keeps per plan. Usually one goes, the oldest: it costs a
// move of the plan's index, not a scan of it.
func (s *Store) bound(plan *planRecord) {
	excess := min(len(plan.execs)-s.maxPerPlan, plan.done)
	for i := 0; excess > 0; {
		r := plan.execs[i]
		if !r.exec.Status.Done() {
			i++
			continue
		}
		s.forget(r)
		plan.forget(r)
		plan.execs = slices.Delete(plan.execs, i, i+1)
		plan.done--
		excess--
	}
}

// forget drops r from the store's index and budget; the caller takes it
// out of its plan.
func (s *Store) forget(r *execRecord) {
	delete(s.execs, r.exec.ID)
	s.bytes -= r.size
	for i := range r.steps {
		s.release(r.steps[i].Request)
	}
	r.dropped, r.steps = true, nil
	if r.queued {
		s.dead++
	}
}

// finish queues r, which just finished, to be dropped in its turn.
func (s *Store) finish(r *execRecord) {
	if r.queued {
		return
	}
	r.queued = true
	if s.dead > 64 && s.dead > len(s.finished)/2 {
		s.finished = slices.DeleteFunc(s.finished, func(r *execRecord) bool { return r.dropped })
		s.dead = 0
	}
	s.finished = append(s.finished, r)
}

// trim drops the executions that finished first, of any plan, while the
// store holds more than its budget.
func (s *Store) trim() {
	n := 0
	for ; n < len(s.finished) && s.bytes > s.maxBytes; n++ {
		r := s.finished[n]
		if r.dropped {
			s.dead--
			continue
		}
		plan := s.plans[r.exec.PlanID]
		i, found := slices.BinarySearchFunc(plan.execs, r, compareRecords)
		if !found {
			continue
		}
		r.queued = false
		s.forget(r)
		plan.forget(r)
		plan.execs = slices.Delete(plan.execs, i, i+1)
		plan.done--
	}
	if n > 0 {
		clear(s.finished[:n])
		s.finished = s.finished[n:]
	}
}

// UpdateExecution writes the execution's status, stop reason, start,
// finish and error.
func (s *Store) UpdateExecution(ctx context.Context, e *record.Execution) error {
	return s.FinishExecution(ctx, e, nil)
}

// AppendStep adds a step result to the execution.
func (s *Store) AppendStep(ctx context.Context, executionID string, r *record.StepResult) error {
	if err := check(ctx); err != nil {
		return err
	}
	c, err := stepIn(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.execs[executionID]
	if !ok {
		return errorf("execution %q: %w", executionID, storage.ErrNotFound)
	}
	if err := s.insertSteps(rec, []record.StepResult{c}); err != nil {
		return err
	}
	s.trim()
	return nil
}

// FinishExecution implements storage.ExecutionFinisher: it appends steps
// and writes the execution's status fields under one lock, so that no
// reader sees one without the other.
func (s *Store) FinishExecution(ctx context.Context, e *record.Execution, steps []*record.StepResult) error {
	_, err := s.writeFinish(ctx, e, steps, false)
	return err
}

// FinishWithPause implements storage.PauseFinisher: FinishExecution
// with the plan's pause read under the same lock.
func (s *Store) FinishWithPause(ctx context.Context, e *record.Execution, steps []*record.StepResult) (string, error) {
	return s.writeFinish(ctx, e, steps, true)
}

// writeFinish appends steps and writes e's status fields, with the
// Maintenance of the plan's pause when paused says so and the pause ends
// after e's finish, and returns the Maintenance it stored.
func (s *Store) writeFinish(ctx context.Context, e *record.Execution, steps []*record.StepResult, paused bool) (string, error) {
	if err := check(ctx); err != nil {
		return "", err
	}
	if e == nil {
		return "", errorf("update execution: nil execution")
	}
	copies, err := stepsIn(steps)
	if err != nil {
		return "", err
	}
	errCopy := copyStepError(e.Error)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.execs[e.ID]
	if !ok {
		return "", errorf("execution %q: %w", e.ID, storage.ErrNotFound)
	}
	if err := s.insertSteps(rec, copies); err != nil {
		return "", err
	}
	plan := s.plans[rec.exec.PlanID]
	maintenance := e.Maintenance
	if paused {
		maintenance = plan.pauseOver(e.Maintenance, e.FinishedAt, s.currentTime)
	}
	wasDone := rec.exec.Status.Done()
	if wasDone {
		plan.done--
	}
	if e.Status.Done() {
		plan.done++
	}
	before := sizeOfExecution(&rec.exec)
	rec.exec.Status = e.Status
	rec.exec.StopReason = e.StopReason
	rec.exec.StartedAt = e.StartedAt
	rec.exec.FinishedAt = e.FinishedAt
	rec.exec.Error = errCopy
	rec.exec.TraceID = e.TraceID
	rec.exec.Maintenance = maintenance
	rec.exec.Flaky = e.Flaky
	if !wasDone && e.Status.Done() {
		plan.countUptime(&rec.exec)
	}
	grown := sizeOfExecution(&rec.exec) - before
	rec.size += grown
	s.bytes += grown
	if e.Status.Done() {
		s.finish(rec)
		// No more steps are expected: give back what appends reserved.
		if cap(rec.steps)-len(rec.steps) > 1 {
			rec.steps = slices.Clone(rec.steps)
		}
		// A plan held over its bound by running executions shrinks as
		// they finish.
		s.bound(plan)
	}
	if len(steps) > 0 || e.Status.Done() {
		s.trim()
	}
	return maintenance, nil
}

// stepIn checks r and returns the copy of it the store keeps.
func stepIn(r *record.StepResult) (record.StepResult, error) {
	if r == nil {
		return record.StepResult{}, errorf("append step: nil result")
	}
	if r.Index < 0 {
		return record.StepResult{}, errorf("append step: index %d is negative", r.Index)
	}
	c, err := copyStepIn(r)
	if err != nil {
		return record.StepResult{}, errorf("append step %d: %w", r.Index, err)
	}
	return c, nil
}

// pauseOver returns the Maintenance of an execution of the plan that
// finished at finished (at now() when zero) with the Maintenance given:
// the plan's pause's when it ends after the finish, else given.
func (p *planRecord) pauseOver(given string, finished time.Time, now func() time.Time) string {
	if p.pausedUntil.IsZero() {
		return given
	}
	at := finished.Truncate(time.Microsecond)
	if finished.IsZero() {
		at = now()
	}
	if at.Before(p.pausedUntil) {
		return storage.PauseMaintenance(p.pausedUntil)
	}
	return given
}

// stepsIn checks rs and returns the copies of them the store keeps.
func stepsIn(rs []*record.StepResult) ([]record.StepResult, error) {
	copies := make([]record.StepResult, len(rs))
	for i, r := range rs {
		c, err := stepIn(r)
		if err != nil {
			return nil, err
		}
		copies[i] = c
	}
	return copies, nil
}

// insertSteps adds the copies cs to rec in index order, all of them or,
// when one has the index of a stored result or of another of cs, none.
// The caller holds s.mu for writing.
func (s *Store) insertSteps(rec *execRecord, cs []record.StepResult) error {
	byIndex := func(a record.StepResult, i int) int { return cmp.Compare(a.Index, i) }
	for i := range cs {
		_, stored := slices.BinarySearchFunc(rec.steps, cs[i].Index, byIndex)
		if stored {
			return errorf("execution %q step %d: exists: %w", rec.exec.ID, cs[i].Index, storage.ErrConflict)
		}
	}
	if err := checkSteps(rec.exec.ID, cs); err != nil {
		return err
	}
	s.addSteps(rec, cs)
	return nil
}

// checkSteps returns an error wrapping storage.ErrConflict when two of
// cs, results of the execution id, share an index.
func checkSteps(id string, cs []record.StepResult) error {
	for i := range cs {
		if slices.ContainsFunc(cs[:i], func(o record.StepResult) bool { return o.Index == cs[i].Index }) {
			return errorf("execution %q step %d: exists: %w", id, cs[i].Index, storage.ErrConflict)
		}
	}
	return nil
}

// addSteps adds the copies cs, checked, to rec in index order. The
// caller holds s.mu for writing.
func (s *Store) addSteps(rec *execRecord, cs []record.StepResult) {
	byIndex := func(a record.StepResult, i int) int { return cmp.Compare(a.Index, i) }
	pr := s.plans[rec.exec.PlanID]
	for _, c := range cs {
		if pr != nil {
			pr.shareHeaders(&c)
		}
		if n := len(rec.steps); n == 0 || rec.steps[n-1].Index < c.Index {
			rec.steps = append(rec.steps, c)
		} else {
			i, _ := slices.BinarySearchFunc(rec.steps, c.Index, byIndex)
			rec.steps = slices.Insert(rec.steps, i, c)
		}
		size := sizeOfStep(&c)
		rec.size += size
		s.bytes += size
		s.hold(c.Request)
	}
}

// hold counts one more stored step holding q, and q in the budget when it
// is the first.
func (s *Store) hold(q *record.Request) {
	if q == nil {
		return
	}
	n := s.requests[q]
	if n == 0 {
		s.bytes += sizeOfRequest(q)
	}
	s.requests[q] = n + 1
}

// release counts one stored step less holding q, and q out of the budget
// when it was the last.
func (s *Store) release(q *record.Request) {
	if q == nil {
		return
	}
	if n := s.requests[q]; n > 1 {
		s.requests[q] = n - 1
		return
	}
	delete(s.requests, q)
	s.bytes -= sizeOfRequest(q)
}

// GetExecution returns the execution with its step results.
func (s *Store) GetExecution(ctx context.Context, id string) (*record.Execution, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.execs[id]
	if !ok {
		return nil, errorf("execution %q: %w", id, storage.ErrNotFound)
	}
	e := copyExecution(&rec.exec)
	if len(rec.steps) > 0 {
		e.Steps = make([]record.StepResult, len(rec.steps))
		for i := range rec.steps {
			e.Steps[i] = copyStepOut(&rec.steps[i])
		}
	}
	return e, nil
}

// Prune deletes the finished executions that params select.
func (s *Store) Prune(ctx context.Context, params *storage.PruneParams) (int, error) {
	if err := check(ctx); err != nil {
		return 0, err
	}
	if params == nil {
		return 0, nil
	}
	if params.KeepLast < 0 {
		return 0, errNegative("prune: KeepLast", params.KeepLast)
	}
	before := params.FinishedBefore
	if before.IsZero() && params.KeepLast == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	deleted := 0
	for _, plan := range s.plans {
		// Walk newest first to count the finished executions kept.
		finished := 0
		keep := make([]bool, len(plan.execs))
		for i := len(plan.execs) - 1; i >= 0; i-- {
			e := &plan.execs[i].exec
			keep[i] = true
			if !e.Status.Done() {
				continue
			}
			finished++
			if params.KeepLast > 0 && finished > params.KeepLast ||
				!before.IsZero() && !e.FinishedAt.IsZero() && e.FinishedAt.Before(before) {
				keep[i] = false
			}
		}
		n := 0
		for i, r := range plan.execs {
			if keep[i] {
				plan.execs[n] = r
				n++
				continue
			}
			s.forget(r)
			plan.forget(r)
			plan.done--
			deleted++
		}
		clear(plan.execs[n:])
		plan.execs = plan.execs[:n]
	}
	return deleted, nil
}
