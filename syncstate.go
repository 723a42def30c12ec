package smokex

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// This file keeps what the syncs of Sync did (record.SyncState): in the
// store when it is a storage.SyncStore, so that every process sharing it
// shows the same and a restarted one knows which plans the source holds.

// SyncState returns what the syncs of Sync did: the revision last
// applied, when, what it changed, the files that did not load at it,
// whether the last attempt failed, and the plans the source holds. It is
// read from the store when the store is a storage.SyncStore, so that every
// process sharing the store answers the same. Nil, and no error, before
// the first Sync.
func (e *Engine) SyncState(ctx context.Context) (*record.SyncState, error) {
	if ss, ok := e.store.(storage.SyncStore); ok {
		st, err := ss.GetSyncState(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("smokex: reading the sync state: %w", err)
		}
		return st, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.syncState.Clone(), nil
}

// noteSync keeps the outcome of a Sync of src over prev, the state before
// it (nil for none): res and errs (the files that did not load, named by
// their path in the repository) when it applied, failed when it did not,
// or did only in part (res is then what it did). The changes and At move
// only when something changed, so that they tell the last change rather
// than the last fetch. A state that cannot be saved is logged: the plans
// are synced all the same.
func (e *Engine) noteSync(ctx context.Context, prev *record.SyncState, src Source, res *SyncResult, errs plan.ErrorList, failed error) {
	if res == nil && ctx.Err() != nil {
		// The caller gave up (a stop): not a failure of the source that
		// every process should show.
		return
	}
	now := time.Now().UTC()
	st := prev.Clone()
	if st == nil {
		st = &record.SyncState{}
	}
	if s, ok := src.(fmt.Stringer); ok {
		st.Source = s.String()
	}
	st.Attempted = now
	st.Error = ""
	if failed != nil {
		st.Error = failed.Error()
	}
	if res != nil {
		list := syncErrors(errs)
		changed := len(res.Added)+len(res.Updated)+len(res.Removed) > 0
		if failed == nil && (changed || st.At.IsZero() || res.Revision != (record.Source{Commit: st.Commit, Path: st.Path}) || !slices.Equal(list, st.Errors)) {
			st.At = now
			st.Commit, st.Path = res.Revision.Commit, res.Revision.Path
			st.Added, st.Updated, st.Removed = res.Added, res.Updated, res.Removed
			st.Errors = list
		}
		st.Plans = e.sourcePlans(prev, res, list, failed != nil)
	}
	st.Added, st.Updated, st.Removed = nonNil(st.Added), nonNil(st.Updated), nonNil(st.Removed)
	if st.Errors == nil {
		st.Errors = []record.SyncError{}
	}
	if st.Plans == nil {
		st.Plans = map[string]string{}
	}
	if ss, ok := e.store.(storage.SyncStore); ok {
		if err := ss.SaveSyncState(context.WithoutCancel(ctx), st); err != nil {
			e.cfg.Logger.Error("smokex: saving the sync state; the plans are synced, but other processes show the sync before", "error", err)
		}
		return
	}
	e.mu.Lock()
	e.syncState = st
	e.mu.Unlock()
}

// sourcePlans are the plans the source holds after a sync that did res:
// the synced plans this engine holds from a revision, and those of prev
// that it did not remove and whose file did not load (or all of them when
// the sync failed part way).
func (e *Engine) sourcePlans(prev *record.SyncState, res *SyncResult, errs []record.SyncError, partial bool) map[string]string {
	out := map[string]string{}
	e.mu.Lock()
	for id, lp := range e.plans {
		if lp.synced && lp.source.Commit != "" {
			out[id] = lp.source.Path
		}
	}
	e.mu.Unlock()
	if prev == nil {
		return out
	}
	for id, file := range prev.Plans {
		if _, ok := out[id]; ok || slices.Contains(res.Removed, id) {
			continue
		}
		if partial || slices.ContainsFunc(errs, func(se record.SyncError) bool { return se.File == file }) {
			out[id] = file
		}
	}
	return out
}

// syncErrors turns a sync's plan errors into the state's.
func syncErrors(list plan.ErrorList) []record.SyncError {
	out := make([]record.SyncError, 0, len(list))
	for _, pe := range list {
		out = append(out, record.SyncError{File: pe.File, Line: pe.Line, Column: pe.Column, Message: pe.Message})
	}
	return out
}

// nonNil returns s, or an empty slice for nil, which JSON writes as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// syncedSource tells, from the sync state st, whether the stored plan id
// is one the source holds, and the revision it came from: the state's
// commit, unless its file did not load at it (its revision is then an
// earlier one, unknown here).
func syncedSource(st *record.SyncState, id string) (bool, record.Source) {
	if st == nil {
		return false, record.Source{}
	}
	file, ok := st.Plans[id]
	if !ok {
		return false, record.Source{}
	}
	if slices.ContainsFunc(st.Errors, func(se record.SyncError) bool { return se.File == file }) {
		return true, record.Source{}
	}
	return true, record.Source{Commit: st.Commit, Path: file}
}
