package smokex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/smokex/smokex/plan"
)

// SyncResult tells what a SyncFS call changed.
type SyncResult struct {
	Added, Updated, Removed []string
}

// SyncFS loads every plan in fsys (*.yaml and *.yml, recursively) and makes
// the engine's synced plans match it: new plans are added, changed ones
// replaced, and plans an earlier SyncFS added whose file is gone are
// removed. Plans added with AddPlan are never removed by it. Each file
// counts on its own: when some are invalid, the others are synced, the
// plans of the invalid files are kept as they were, and the error (a
// plan.ErrorList) lists every problem with the result of what changed.
func (e *Engine) SyncFS(ctx context.Context, fsys fs.FS) (*SyncResult, error) {
	plans, loadErr := plan.LoadFS(fsys, e.cfg.ParseOpts)
	var list plan.ErrorList
	if loadErr != nil && !errors.As(loadErr, &list) {
		return nil, loadErr
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
	res, err := e.syncPlans(ctx, plans, broken)
	if err != nil {
		return res, err
	}
	if loadErr != nil {
		return res, loadErr
	}
	return res, nil
}

// syncPlans makes the synced plans match plans, keeping those whose file
// is in broken.
func (e *Engine) syncPlans(ctx context.Context, plans []*plan.Plan, broken map[string]bool) (*SyncResult, error) {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	res := &SyncResult{}
	seen := make(map[string]bool, len(plans))
	for _, p := range plans {
		seen[p.ID] = true
		e.mu.Lock()
		old, ok := e.plans[p.ID]
		e.mu.Unlock()
		if ok && old.synced && bytes.Equal(old.plan.Source, p.Source) {
			continue
		}
		if err := e.addPlan(ctx, p, true); err != nil {
			return res, err
		}
		if ok {
			res.Updated = append(res.Updated, p.ID)
		} else {
			res.Added = append(res.Added, p.ID)
		}
	}
	e.mu.Lock()
	var gone []string
	for id, lp := range e.plans {
		if lp.synced && !seen[id] && !broken[lp.plan.File] {
			gone = append(gone, id)
		}
	}
	e.mu.Unlock()
	for _, id := range gone {
		if err := e.removePlan(ctx, id); err != nil {
			return res, err
		}
		res.Removed = append(res.Removed, id)
	}
	return res, nil
}

// WatchFS syncs fsys now, then again every interval until ctx ends or the
// engine stops, so that plans follow their files. The first sync's error is
// returned; later errors are logged, and a file that stops parsing keeps
// its plan as it was while the other files sync. The interval must be
// positive.
func (e *Engine) WatchFS(ctx context.Context, fsys fs.FS, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("smokex: WatchFS needs a positive interval, got %s", interval)
	}
	if _, err := e.SyncFS(ctx, fsys); err != nil {
		return err
	}
	return e.goBackground(func() {
		// Stop waits for the watcher: a sync in progress ends with it.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(e.life, cancel)()
		t := time.NewTicker(interval)
		defer t.Stop()
		// A file that stays broken is logged once, not at every tick.
		var lastErr string
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				res, err := e.SyncFS(ctx, fsys)
				if errors.Is(err, ErrClosed) || ctx.Err() != nil {
					return
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
}
