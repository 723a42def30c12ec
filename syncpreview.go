package smokex

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// SyncPreview is what a Sync of a revision would do to the stored plans,
// for review before it is merged (smokex sync --dry-run).
type SyncPreview struct {
	// Revision is the revision previewed.
	Revision record.Source `json:"revision"`
	// Added, Updated and Removed are the plans the sync would add, change
	// and remove, ordered by ID.
	Added   []PlanChange `json:"added"`
	Updated []PlanChange `json:"updated"`
	Removed []PlanChange `json:"removed"`
	// Errors are the files that do not load at the revision: a sync would
	// keep their plans as they are.
	Errors []record.SyncError `json:"errors"`
}

// PlanChange is one plan a sync would change: its YAML (and the files its
// json_schema reads) as stored, and as at the revision.
type PlanChange struct {
	ID string `json:"id"`
	// File is the plan file's path in the repository; for a removed plan,
	// where it was.
	File string `json:"file"`
	// Old and New are the stored YAML and the revision's; Old is empty
	// for an added plan, New for a removed one.
	Old string `json:"old"`
	New string `json:"new"`
	// OldFiles and NewFiles are the files the plan's json_schema reads,
	// by path relative to the plan (plan.Plan.Files), stored and at the
	// revision.
	OldFiles map[string]string `json:"old_files,omitempty"`
	NewFiles map[string]string `json:"new_files,omitempty"`
}

// PreviewSync tells what a Sync of fsys, the plan files of the revision
// rev, would add, change and remove in the store, and which files would
// not load, without changing anything: the check of a pull request before
// it is merged. It compares with the store, so it needs no Start, and its
// removals are those of the plans the last Sync left (SyncState). opts are
// Sync's: a revision without plan files is ErrEmptySource unless
// AllowEmpty.
func (e *Engine) PreviewSync(ctx context.Context, fsys fs.FS, rev record.Source, opts *SyncOpts) (*SyncPreview, error) {
	if opts == nil {
		opts = &SyncOpts{}
	}
	plans, loadErr := plan.LoadFS(fsys, e.cfg.ParseOpts)
	var list plan.ErrorList
	if loadErr != nil && !errors.As(loadErr, &list) {
		return nil, loadErr
	}
	if !opts.AllowEmpty && len(plans) == 0 && len(list) == 0 {
		return nil, ErrEmptySource
	}
	out := &SyncPreview{Revision: rev, Added: []PlanChange{}, Updated: []PlanChange{}, Removed: []PlanChange{}, Errors: []record.SyncError{}}
	broken := map[string]bool{}
	for _, pe := range list {
		broken[pe.File] = true
		c := *pe
		c.File = path.Join(rev.Path, pe.File)
		out.Errors = append(out.Errors, syncErrors(plan.ErrorList{&c})...)
	}
	seen := map[string]bool{}
	for _, p := range plans {
		if broken[p.File] || (e.cfg.SyncFilter != nil && !e.cfg.SyncFilter(p)) {
			continue
		}
		seen[p.ID] = true
		ch := PlanChange{ID: p.ID, File: path.Join(rev.Path, p.File), New: string(p.Source), NewFiles: textFiles(p.Files)}
		sp, err := e.store.GetPlan(ctx, p.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			out.Added = append(out.Added, ch)
		case err != nil:
			return nil, fmt.Errorf("smokex: reading plan %s: %w", p.ID, err)
		case !sameSource(sp.Source, sp.Files, p.Source, p.Files):
			ch.Old, ch.OldFiles = string(sp.Source), textFiles(sp.Files)
			out.Updated = append(out.Updated, ch)
		}
	}
	state, err := e.SyncState(ctx)
	if err != nil {
		return nil, err
	}
	if state != nil {
		for id, file := range state.Plans {
			if seen[id] || broken[strings.TrimPrefix(file, rev.Path+"/")] {
				continue
			}
			sp, err := e.store.GetPlan(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("smokex: reading plan %s: %w", id, err)
			}
			out.Removed = append(out.Removed, PlanChange{ID: id, File: file, Old: string(sp.Source), OldFiles: textFiles(sp.Files)})
		}
	}
	for _, l := range [][]PlanChange{out.Added, out.Updated, out.Removed} {
		slices.SortFunc(l, func(a, b PlanChange) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// textFiles returns files as text; nil for none.
func textFiles(files map[string][]byte) map[string]string {
	if len(files) == 0 {
		return nil
	}
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = string(v)
	}
	return out
}
