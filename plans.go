package smokex

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// This file is the plan registry: the plans this engine has loaded, how
// they are added, replaced, removed and synced from files (each change
// spanning the store, the loaded plans and the scheduler), and how a run
// finds the plan it runs, which may be one another process stored.

// loadedPlan is a parsed plan with where it came from.
type loadedPlan struct {
	plan *plan.Plan
	// ref is what hooks see of the plan.
	ref *record.PlanRef
	// synced is true for plans that SyncFS manages: a later sync removes
	// them when their file is gone.
	synced bool
	// source is the revision a Sync loaded the plan from, under
	// Engine.mu; zero for plans from elsewhere.
	source record.Source
}

// storedPlan is what runs read of a plan from the store (resolvePlan):
// its revision, and the plan parsed from it unless it is the plan loaded
// in the engine.
type storedPlan struct {
	// revision is the stored plan's (storage.Plan.Revision), zero when
	// the store is not a storage.RevisionCreator.
	revision int64
	// confirmed is when the store last said the plan has revision: read
	// then, or a create guarded by it succeeded (confirmStored). Read and
	// written under Engine.mu.
	confirmed time.Time
	// source and files are the stored plan's, and lp the plan parsed
	// from them, parsed again only when they change; all three are nil
	// when the stored plan was the loaded one.
	source []byte
	files  map[string][]byte
	lp     *loadedPlan
}

// sameSource reports whether two plans have the same source and read the
// same files (plan.Plan.Files).
func sameSource(a []byte, aFiles map[string][]byte, b []byte, bFiles map[string][]byte) bool {
	return bytes.Equal(a, b) && maps.EqualFunc(aFiles, bFiles, bytes.Equal)
}

// AddPlan stores p, replacing the plan with its ID, and schedules it when it
// has a schedule (or unschedules it when it no longer has one). An ID that
// plan.CheckID refuses (too long, a control character) is an error before
// the store is asked, whatever the store; so is a depends_on that names a
// plan the engine does not hold or closes a cycle (a plan.ErrorList, see
// plan.Plan.DependencyErrors): add the plans a plan depends on first.
func (e *Engine) AddPlan(ctx context.Context, p *plan.Plan) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	if p != nil && p.ID != "" {
		if errs := p.DependencyErrors(e.Plans()); len(errs) > 0 {
			return fmt.Errorf("smokex: plan %s: %w", p.ID, errs)
		}
	}
	return e.addPlan(ctx, p, false, record.Source{})
}

// addPlan adds p, synced from source when synced; the caller holds
// planMu.
func (e *Engine) addPlan(ctx context.Context, p *plan.Plan, synced bool, source record.Source) error {
	if p == nil || p.ID == "" {
		return errors.New("smokex: AddPlan needs a parsed plan with an ID")
	}
	// Every store refuses the same IDs, before any is asked.
	if err := plan.CheckID(p.ID); err != nil {
		return fmt.Errorf("smokex: plan id %.40q: %w", p.ID, err)
	}
	if err := e.checkOpen(); err != nil {
		return err
	}
	err := e.store.SavePlan(ctx, &storage.Plan{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Schedule:    p.Schedule,
		Labels:      maps.Clone(p.Labels),
		Source:      p.Source,
		Files:       p.Files,
	})
	if err != nil {
		return fmt.Errorf("smokex: saving plan %s: %w", p.ID, err)
	}
	e.load(p, synced, source)
	return e.applySchedule(ctx, p)
}

// load makes p, synced from source when synced, the loaded plan with its
// ID. What runs read of it from the store before is forgotten: its next
// tick uses the plan loaded here, or reads the store again.
func (e *Engine) load(p *plan.Plan, synced bool, source record.Source) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.plans[p.ID] = &loadedPlan{plan: p, ref: planRef(p), synced: synced, source: source}
	delete(e.stored, p.ID)
	e.plansVersion.Add(1)
}

func (e *Engine) applySchedule(ctx context.Context, p *plan.Plan) error {
	if p.Schedule == "" {
		if err := e.sched.Remove(ctx, p.ID); err != nil {
			return fmt.Errorf("smokex: unscheduling plan %s: %w", p.ID, schedErr(err))
		}
		return nil
	}
	var err error
	if ls, ok := e.sched.(schedule.LocationScheduler); ok {
		err = ls.AddIn(ctx, p.ID, p.Schedule, p.Locations)
	} else {
		// Each tick runs once, here, from Config.Location.
		err = e.sched.Add(ctx, p.ID, p.Schedule)
	}
	if err != nil {
		return fmt.Errorf("smokex: scheduling plan %s: %w", p.ID, schedErr(err))
	}
	return nil
}

// RemovePlan deletes the plan with its executions and unschedules it. Its
// executions in flight are canceled.
func (e *Engine) RemovePlan(ctx context.Context, id string) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	return e.removePlan(ctx, id)
}

// removePlan removes the plan id; the caller holds planMu.
func (e *Engine) removePlan(ctx context.Context, id string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	if err := e.sched.Remove(ctx, id); err != nil {
		return fmt.Errorf("smokex: unscheduling plan %s: %w", id, schedErr(err))
	}
	e.mu.Lock()
	_, known := e.plans[id]
	delete(e.plans, id)
	delete(e.stored, id)
	e.plansVersion.Add(1)
	// The plan's runs would go on against a plan and executions that are
	// gone, and hold back a plan added again under the same ID.
	for _, j := range e.inflight {
		if j.plan.ID == id {
			j.cancel()
		}
	}
	e.mu.Unlock()
	err := e.store.DeletePlan(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		if known {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrPlanNotFound, id)
	}
	return err
}

// planRef is what hooks and subscribers see of p.
func planRef(p *plan.Plan) *record.PlanRef {
	return &record.PlanRef{ID: p.ID, Name: p.Name, Labels: maps.Clone(p.Labels), DependsOn: slices.Clone(p.DependsOn), SLO: sloOf(p.SLO),
		Locations: slices.Clone(p.Locations), MinFailingLocations: p.Alerts.MinFailingLocations}
}

// Plan returns the loaded plan with the id.
func (e *Engine) Plan(id string) (*plan.Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lp, ok := e.plans[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrPlanNotFound, id)
	}
	return lp.plan, nil
}

// PlanSynced reports whether the plan with the id was loaded by SyncFS or
// WatchFS: its file is where it comes from, and a change made with AddPlan
// or RemovePlan would be undone by the next sync. False for an unknown id.
func (e *Engine) PlanSynced(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	lp, ok := e.plans[id]
	return ok && lp.synced
}

// PlansVersion counts the changes to the loaded plans: it grows whenever
// a plan is added, replaced or removed, so that a reader that keeps what
// Plans returned can tell cheaply whether it is still current.
func (e *Engine) PlansVersion() uint64 { return e.plansVersion.Load() }

// Plans returns the loaded plans ordered by ID.
func (e *Engine) Plans() []*plan.Plan {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*plan.Plan, 0, len(e.plans))
	for _, lp := range e.plans {
		out = append(out, lp.plan)
	}
	slices.SortFunc(out, func(a, b *plan.Plan) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// SyncResult tells what a sync changed.
type SyncResult struct {
	Added, Updated, Removed []string
	// Revision is the revision a Sync applied; zero for SyncFS.
	Revision record.Source
}

// LoadError is a plan file that the latest SyncFS (or WatchFS) could not
// load: what a dashboard shows until the file is fixed.
type LoadError struct {
	// File names the file as the plan's File would: its path in the
	// synced file system.
	File string
	// PlanID is the ID of the plan the file held when it last loaded, whose
	// version from then is kept and still runs; empty when the file never
	// loaded in this engine.
	PlanID string
	// Errors are the file's errors, each with its line and column (zero
	// for an error about the whole file).
	Errors plan.ErrorList
	// Since is when the file was first seen with these errors.
	Since time.Time
}

// LoadErrors returns the files the latest SyncFS or WatchFS sync could not
// load, ordered by file; empty when every file loaded.
func (e *Engine) LoadErrors() []LoadError {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.loadErrors)
}

// noteLoadErrors records the files of list as the ones that do not load,
// keeping the Since of a file whose errors did not change. A change
// counts as a change of the plans (PlansVersion), so that what shows the
// plans shows the errors too.
func (e *Engine) noteLoadErrors(list plan.ErrorList) {
	byFile := map[string]plan.ErrorList{}
	var files []string
	for _, pe := range list {
		if _, ok := byFile[pe.File]; !ok {
			files = append(files, pe.File)
		}
		byFile[pe.File] = append(byFile[pe.File], pe)
	}
	slices.Sort(files)
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	old := make(map[string]LoadError, len(e.loadErrors))
	for _, le := range e.loadErrors {
		old[le.File] = le
	}
	next := make([]LoadError, 0, len(files))
	changed := len(files) != len(e.loadErrors)
	for _, f := range files {
		le := LoadError{File: f, Errors: byFile[f], Since: now}
		for id, lp := range e.plans {
			if lp.synced && lp.plan.File == f {
				le.PlanID = id
			}
		}
		if prev, ok := old[f]; ok && prev.Errors.Error() == le.Errors.Error() {
			le.Since = prev.Since
		} else {
			changed = true
		}
		next = append(next, le)
	}
	e.loadErrors = next
	if changed {
		e.plansVersion.Add(1)
	}
}

// SyncFS loads every plan in fsys (*.yaml and *.yml, recursively) and makes
// the engine's synced plans match it: new plans are added, changed ones
// replaced, and plans an earlier SyncFS added whose file is gone are
// removed. Plans added with AddPlan are never removed by it. Each file
// counts on its own: when some are invalid, the others are synced, the
// plans of the invalid files are kept as they were, and the error (a
// plan.ErrorList) lists every problem with the result of what changed;
// LoadErrors returns them by file until a later sync loads the file. A plan
// that is already in the store with the same source (an engine started
// again on a persistent store) is loaded without being counted as added.
func (e *Engine) SyncFS(ctx context.Context, fsys fs.FS) (*SyncResult, error) {
	return e.syncFS(ctx, fsys, nil, true, nil)
}

// Source is where Sync reads plans from: the files of one revision of a
// repository. Package gitsync gives one for git repositories; it lives
// apart so that a host that does not sync from git builds without a git
// implementation.
type Source interface {
	// Fetch returns the plan files of the source's newest revision, and
	// the revision: its commit, and in Path the directory in the
	// repository that the files are read from. A Fetch that fails changes
	// nothing.
	Fetch(ctx context.Context) (fs.FS, record.Source, error)
}

// SyncOpts tune Sync. A nil *SyncOpts means the defaults.
type SyncOpts struct {
	// AllowEmpty lets a revision with no plan file remove every plan the
	// source synced before. Defaults to false: such a revision is refused
	// with ErrEmptySource, since a path written wrong or a branch emptied
	// by mistake would otherwise stop all monitoring.
	AllowEmpty bool
}

// ErrEmptySource is returned by Sync when the revision holds no plan file
// and SyncOpts.AllowEmpty is not set; nothing was changed.
var ErrEmptySource = errors.New("smokex: the source holds no plan files; nothing was changed")

// Sync fetches the newest revision of src and makes the engine's synced
// plans match its files, as SyncFS does for a folder, through the same
// steps: plans added, changed and removed in one pass; a file that does not
// parse keeps its plan's last good version, and the error lists it at its
// path in the repository with the commit. A fetch that fails changes
// nothing and is returned. Every execution of a synced plan records the
// revision (record.Execution.Source).
//
// What the sync did is kept as the engine's SyncState, in the store when
// it is a storage.SyncStore, with the plans the source holds: a later
// Sync, of this engine or of another one on the same store after a
// restart, removes those whose file is gone.
//
// Syncs of one engine run one at a time. When the store is shared by
// several processes and implements storage.SyncLocker, Sync holds its lock
// from the fetch to the saved state, so that replicas apply one sync at a
// time and none applies a revision older than one another applied.
func (e *Engine) Sync(ctx context.Context, src Source, opts *SyncOpts) (*SyncResult, error) {
	if opts == nil {
		opts = &SyncOpts{}
	}
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	if l, ok := e.store.(storage.SyncLocker); ok {
		unlock, err := l.LockSync(ctx)
		if err != nil {
			return nil, fmt.Errorf("smokex: waiting for the sync lock: %w", err)
		}
		defer unlock()
	}
	prev, err := e.SyncState(ctx)
	if err != nil {
		return nil, err
	}
	fsys, rev, err := src.Fetch(ctx)
	if err != nil {
		err = fmt.Errorf("smokex: fetching plans: %w", err)
		e.noteSync(ctx, prev, src, nil, nil, err)
		return nil, err
	}
	var managed map[string]string
	if prev != nil {
		managed = prev.Plans
	}
	res, err := e.syncFS(ctx, fsys, &rev, opts.AllowEmpty, managed)
	if res != nil {
		res.Revision = rev
	}
	var list plan.ErrorList
	if errors.As(err, &list) {
		// Named by their path in the repository; copies, since LoadErrors
		// keeps the originals.
		named := make(plan.ErrorList, len(list))
		for i, pe := range list {
			c := *pe
			if c.File != "" {
				c.File = path.Join(rev.Path, c.File)
			}
			named[i] = &c
		}
		err = fmt.Errorf("commit %s: %w", shortCommit(rev.Commit), named)
		e.noteSync(ctx, prev, src, res, named, nil)
		return res, err
	}
	e.noteSync(ctx, prev, src, res, nil, err)
	return res, err
}

// shortCommit is the commit's first 12 digits, as forges show them.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// syncFS loads the plans of fsys and syncs them; rev, when not nil, is the
// revision they come from, and managed the plans an earlier sync of it
// left (ID to path in the repository), which are removed when their file
// is gone even if this engine has not loaded them.
func (e *Engine) syncFS(ctx context.Context, fsys fs.FS, rev *record.Source, allowEmpty bool, managed map[string]string) (*SyncResult, error) {
	plans, loadErr := plan.LoadFS(fsys, e.cfg.ParseOpts)
	var list plan.ErrorList
	if loadErr != nil && !errors.As(loadErr, &list) {
		return nil, loadErr
	}
	if !allowEmpty && len(plans) == 0 && len(list) == 0 {
		return nil, ErrEmptySource
	}
	// The files that did not parse keep their plans as they were.
	broken := make(map[string]bool, len(list))
	for _, pe := range list {
		broken[pe.File] = true
	}
	kept := plans[:0:0]
	for _, p := range plans {
		if broken[p.File] {
			continue
		}
		if e.cfg.SyncFilter != nil && !e.cfg.SyncFilter(p) {
			continue
		}
		kept = append(kept, p)
	}
	plans = kept
	if dep := e.syncDependencies(&plans, broken); len(dep) > 0 {
		list = append(list, dep...)
		list.Sort()
		loadErr = list
	}
	e.noteLoadErrors(list)
	res, err := e.syncPlans(ctx, plans, broken, rev, managed)
	if err != nil {
		return res, err
	}
	if loadErr != nil {
		return res, loadErr
	}
	return res, nil
}

// syncDependencies checks the depends_on of the plans a sync is about to
// load against them and the plans that stay (added with AddPlan, or synced
// from a file that is broken): a plan that names a plan none of them has,
// or closes a cycle, is refused as a file that does not load, keeping its
// version from before, until no plan left has such an error. It returns
// the errors of the plans refused.
func (e *Engine) syncDependencies(plans *[]*plan.Plan, broken map[string]bool) plan.ErrorList {
	e.mu.Lock()
	var stay []*plan.Plan
	old := make(map[string]*plan.Plan, len(e.plans))
	for id, lp := range e.plans {
		if !lp.synced || broken[lp.plan.File] {
			stay = append(stay, lp.plan)
		} else {
			old[id] = lp.plan
		}
	}
	e.mu.Unlock()
	var errs plan.ErrorList
	for refused := true; refused; {
		refused = false
		all := append(slices.Clone(stay), *plans...)
		left := (*plans)[:0:0]
		for _, p := range *plans {
			pe := p.DependencyErrors(all)
			if len(pe) == 0 {
				left = append(left, p)
				continue
			}
			errs = append(errs, pe...)
			broken[p.File], refused = true, true
			if o, ok := old[p.ID]; ok {
				stay = append(stay, o)
			}
		}
		*plans = left
	}
	return errs
}

// syncPlans makes the synced plans match plans, keeping those whose file
// is in broken. rev, when not nil, is the revision the plans come from;
// managed are as syncFS's.
func (e *Engine) syncPlans(ctx context.Context, plans []*plan.Plan, broken map[string]bool, rev *record.Source, managed map[string]string) (*SyncResult, error) {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	res := &SyncResult{}
	seen := make(map[string]bool, len(plans))
	// The plans to store or schedule, with what became of each.
	type change struct {
		p                *plan.Plan
		source           record.Source
		held, stored     bool // held by the engine; found in the store
		added, unchanged bool
		err              error
	}
	var changes []*change
	for _, p := range plans {
		seen[p.ID] = true
		var source record.Source
		if rev != nil {
			source = record.Source{Commit: rev.Commit, Path: path.Join(rev.Path, p.File)}
		}
		e.mu.Lock()
		old, ok := e.plans[p.ID]
		unchanged := ok && old.synced && sameSource(old.plan.Source, old.plan.Files, p.Source, p.Files)
		if unchanged {
			// The plan is the same at this revision: its runs name it.
			old.source = source
		}
		e.mu.Unlock()
		if !unchanged {
			changes = append(changes, &change{p: p, source: source, held: ok})
		}
	}
	// The plans the engine does not hold are looked for in the store with
	// one query for all, not a round trip each.
	var stored map[string]*storage.Plan
	for _, c := range changes {
		if !c.held {
			stored = e.storedPlans(ctx)
			break
		}
	}
	// Each plan is stored and scheduled on its own, a few at a time: with
	// a database, one after another is one round trip and one commit
	// after another, 20 seconds for 1,000 plans.
	var wg sync.WaitGroup
	sem := make(chan struct{}, syncConcurrency)
	for _, c := range changes {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if !c.held {
				sp, ok := stored[c.p.ID]
				c.stored = ok
				if ok {
					if c.unchanged, c.err = e.loadUnchanged(ctx, c.p, sp, c.source); c.unchanged || c.err != nil {
						return
					}
				}
			}
			c.err = e.addPlan(ctx, c.p, true, c.source)
			c.added = c.err == nil
		})
	}
	wg.Wait()
	var err error
	for _, c := range changes {
		switch {
		case c.err != nil:
			err = cmp.Or(err, c.err)
		case !c.added:
		case c.held || c.stored:
			res.Updated = append(res.Updated, c.p.ID)
		default:
			res.Added = append(res.Added, c.p.ID)
		}
	}
	if err != nil {
		return res, err
	}
	// A plan read back from the store is named by its ID, not its file:
	// managed tells its file.
	brokenFile := func(id string) bool {
		file, ok := managed[id]
		return ok && broken[strings.TrimPrefix(file, rev.Path+"/")]
	}
	e.mu.Lock()
	var gone []string
	for id, lp := range e.plans {
		if lp.synced && !seen[id] && !broken[lp.plan.File] && !brokenFile(id) {
			gone = append(gone, id)
		}
	}
	e.mu.Unlock()
	for id := range managed {
		if !seen[id] && !slices.Contains(gone, id) && !brokenFile(id) {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		err := e.removePlan(ctx, id)
		if errors.Is(err, ErrPlanNotFound) && managed[id] != "" {
			// Removed meanwhile by hand.
			continue
		}
		if err != nil {
			return res, err
		}
		res.Removed = append(res.Removed, id)
	}
	return res, nil
}

// syncConcurrency is how many plans a sync stores and schedules at once.
const syncConcurrency = 8

// storedPlans returns the store's plans by ID. When the store cannot list
// them it returns none: each plan is then saved as a new one, which
// reports any store error.
func (e *Engine) storedPlans(ctx context.Context) map[string]*storage.Plan {
	list, err := e.store.ListPlans(ctx, nil)
	if err != nil {
		return nil
	}
	m := make(map[string]*storage.Plan, len(list))
	for _, sp := range list {
		m[sp.ID] = sp
	}
	return m
}

// loadUnchanged loads p, which this engine does not hold and the store
// holds as sp, as a synced plan from source without saving it again when
// sp has the same source (unchanged). The caller holds planMu.
func (e *Engine) loadUnchanged(ctx context.Context, p *plan.Plan, sp *storage.Plan, source record.Source) (unchanged bool, err error) {
	if !sameSource(sp.Source, sp.Files, p.Source, p.Files) {
		return false, nil
	}
	e.load(p, true, source)
	return true, e.applySchedule(ctx, p)
}

// WatchFS syncs fsys now, then looks at it every interval until ctx ends
// or the engine stops, and syncs it again when the name, size or
// modification time of a file in it changed (or when the last sync failed
// on something else than a plan's error), so that plans follow their files
// and unchanged files are neither read nor parsed again. A file that does not
// parse, at the first sync or later, keeps its plan as it was (none when
// it never parsed) while the other files sync, and is in LoadErrors until
// it is fixed. The first sync's plan errors are returned as a
// plan.ErrorList with the watch started all the same; any other error of
// the first sync is returned with nothing watched. Later errors are
// logged once each. The interval must be positive.
func (e *Engine) WatchFS(ctx context.Context, fsys fs.FS, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("smokex: WatchFS needs a positive interval, got %s", interval)
	}
	seen, _ := fingerprint(fsys)
	_, first := e.SyncFS(ctx, fsys)
	var list plan.ErrorList
	if first != nil && !errors.As(first, &list) {
		return first
	}
	err := e.goBackground(func() {
		// Stop waits for the watcher: a sync in progress ends with it.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(e.life, cancel)()
		t := time.NewTicker(interval)
		defer t.Stop()
		// A file that stays broken is logged once, not at every tick; the
		// first sync's errors went to the caller.
		var lastErr string
		if first != nil {
			lastErr = first.Error()
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				now, ok := fingerprint(fsys)
				if ok && now == seen {
					continue
				}
				res, err := e.SyncFS(ctx, fsys)
				if errors.Is(err, ErrClosed) || ctx.Err() != nil {
					return
				}
				seen = now
				if err != nil && !errors.As(err, &list) {
					seen = 0 // synced again at the next tick
				}
				switch {
				case err != nil && err.Error() != lastErr:
					e.cfg.Logger.Error("smokex: syncing plans; the plans of files with errors are kept as they were", "error", err)
					lastErr = err.Error()
				case err == nil && lastErr != "":
					e.cfg.Logger.Info("smokex: plans sync again without errors")
					lastErr = ""
				}
				if res != nil && len(res.Added)+len(res.Updated)+len(res.Removed) > 0 {
					e.cfg.Logger.Info("smokex: plans synced", "added", res.Added, "updated", res.Updated, "removed", res.Removed)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return first
}

// fingerprint hashes the names, sizes and modification times of the files
// in fsys (FNV-1a), which a watch compares with the last sync's to tell
// whether to sync again; ok is false when fsys could not be walked.
func fingerprint(fsys fs.FS) (sum uint64, ok bool) {
	h := fnv.New64a()
	var b []byte
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := fs.Stat(fsys, name)
		if err != nil {
			return err
		}
		b = append(b[:0], name...)
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint64(b, uint64(info.Size()))
		b = binary.LittleEndian.AppendUint64(b, uint64(info.ModTime().UnixNano()))
		b = append(b, byte(info.Mode()>>24))
		_, _ = h.Write(b)
		return nil
	})
	return h.Sum64(), err == nil
}

// loadStored parses the stored plans this engine does not hold yet and
// schedules them, so that schedules come back after a restart.
func (e *Engine) loadStored(ctx context.Context) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	stored, err := e.store.ListPlans(ctx, nil)
	if err != nil {
		return fmt.Errorf("smokex: listing stored plans: %w", err)
	}
	// The plans a sync from a source left are synced ones: the next sync
	// removes them when their file is gone.
	state, err := e.SyncState(ctx)
	if err != nil {
		e.cfg.Logger.Error("smokex: reading the sync state; stored plans are loaded as not synced", "error", err)
	}
	for _, sp := range stored {
		e.mu.Lock()
		lp, ok := e.plans[sp.ID]
		e.mu.Unlock()
		if ok {
			if err := e.applySchedule(ctx, lp.plan); err != nil {
				return err
			}
			continue
		}
		p, err := e.parseStored(sp)
		if err != nil {
			e.cfg.Logger.Error("smokex: a stored plan no longer parses; it is not scheduled", "plan", sp.ID, "error", err)
			continue
		}
		synced, source := syncedSource(state, p.ID)
		e.load(p, synced, source)
		if err := e.applySchedule(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// heldPlanConfirmedFor is how long the plan a tick read from the store
// is used again without asking the store (resolvePlan) once the store
// last confirmed its revision: a tick written once, when it ends, finds
// a change of its plan only in its own write, so that a change made by
// another process is seen at the next tick of a plan whose ticks come
// less often than this, and within this plus a tick otherwise.
const heldPlanConfirmedFor = time.Minute

// resolvePlan returns the plan a run of planID uses, with the revision
// the store holds it under when the run's execution is to be created
// guarded by it (storage.RevisionCreator), zero otherwise. A manual run
// uses the plan loaded in this engine. A tick, and any run of a plan this
// engine has not loaded, uses the plan the store holds: it may have been
// added, changed or removed by another process sharing the store and the
// schedule. On a store that is a RevisionCreator, the plan read for an
// earlier run is used again with its revision, without asking the store,
// while the store confirmed that revision less than heldPlanConfirmedFor
// ago (a read, or a create guarded by it): the create, guarded by that
// revision, fails when the plan changed or went, and prepare reads it
// again (forgetStored); past that, the plan is read again first (one
// read by its key, no commit). On any other store, the plan is read at
// every tick. The stored source is parsed once and kept by source; when
// it is the loaded plan's, the loaded plan is used.
func (e *Engine) resolvePlan(ctx context.Context, planID string, tick bool) (*loadedPlan, int64, error) {
	e.mu.Lock()
	local, held := e.plans[planID], e.stored[planID]
	var confirmed time.Time
	if held != nil {
		confirmed = held.confirmed
	}
	e.mu.Unlock()
	if local != nil && !tick {
		return local, 0, nil
	}
	now := e.cfg.now()
	if held != nil && held.revision != 0 && now.Sub(confirmed) < heldPlanConfirmedFor {
		switch {
		case held.lp != nil:
			return held.lp, held.revision, nil
		case local != nil:
			return local, held.revision, nil
		}
	}
	sp, err := e.store.GetPlan(ctx, planID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		e.forgetStored(planID)
		return nil, 0, fmt.Errorf("%w: %s", ErrPlanNotFound, planID)
	case err != nil && local != nil:
		// The store is down: the loaded plan is the best there is.
		return local, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("smokex: reading plan %s: %w", planID, err)
	}
	var revision int64
	if _, ok := e.store.(storage.RevisionCreator); ok {
		revision = sp.Revision
	}
	if local != nil && (len(sp.Source) == 0 || sameSource(sp.Source, sp.Files, local.plan.Source, local.plan.Files)) {
		if revision != 0 {
			e.hold(planID, local, &storedPlan{revision: revision, confirmed: now})
		}
		return local, revision, nil
	}
	var lp *loadedPlan
	if held != nil && held.lp != nil && sameSource(held.source, held.files, sp.Source, sp.Files) {
		lp = held.lp
	} else {
		p, err := e.parseStored(sp)
		if err != nil {
			return nil, 0, fmt.Errorf("smokex: stored plan %s does not parse: %w", planID, err)
		}
		lp = &loadedPlan{plan: p, ref: planRef(p)}
	}
	e.hold(planID, local, &storedPlan{revision: revision, confirmed: now, source: sp.Source, files: sp.Files, lp: lp})
	return lp, revision, nil
}

// hold keeps sp as what runs read of the plan planID from the store,
// unless the plan loaded in the engine is no longer local, the one sp was
// compared with: a plan loaded since (load), whose source may be the
// stored one, is the next run's to compare, with the store read again.
func (e *Engine) hold(planID string, local *loadedPlan, sp *storedPlan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.plans[planID] == local {
		e.stored[planID] = sp
	}
}

// confirmStored records that the store confirmed now that the plan
// planID has revision (a create guarded by it succeeded), for resolvePlan
// to use what it holds of it for heldPlanConfirmedFor more.
func (e *Engine) confirmStored(planID string, revision int64) {
	if revision == 0 {
		return
	}
	now := e.cfg.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if sp := e.stored[planID]; sp != nil && sp.revision == revision {
		sp.confirmed = now
	}
}

// forgetStored forgets what runs read of the plan planID from the store:
// the next reads it again.
func (e *Engine) forgetStored(planID string) {
	e.mu.Lock()
	delete(e.stored, planID)
	e.mu.Unlock()
}

// parseStored parses a stored plan under the engine's parse options.
func (e *Engine) parseStored(sp *storage.Plan) (*plan.Plan, error) {
	opts := plan.ParseOpts{}
	if e.cfg.ParseOpts != nil {
		opts = *e.cfg.ParseOpts
	}
	opts.File = sp.ID
	// The files its schemas read were stored with it: its folder may not
	// be on this machine.
	opts.FS, opts.Dir, opts.Files = nil, "", sp.Files
	p, err := plan.Parse(sp.Source, &opts)
	if err != nil {
		return nil, err
	}
	p.ID = sp.ID
	return p, nil
}
