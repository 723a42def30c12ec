package admin

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"testing/fstest"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// maxPreviewBytes bounds the body of POST /api/sync/preview: the plan
// files of a revision, as gitsync bounds them, with JSON's escapes.
const maxPreviewBytes = 48 << 20

// getSync answers the engine's sync state (record.SyncState), the same on
// every process sharing the store; an empty state before the first sync.
// It names every plan the source holds, so only a request that sees every
// plan is shown it.
func (h *handler) getSync(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).all() {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
		return
	}
	st, err := h.syncState(r)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// syncState is the engine's sync state, an empty one before the first
// sync.
func (h *handler) syncState(r *http.Request) (*record.SyncState, error) {
	st, err := h.eng.SyncState(r.Context())
	if err != nil || st != nil {
		return st, err
	}
	return &record.SyncState{Added: []string{}, Updated: []string{}, Removed: []string{}, Errors: []record.SyncError{}, Plans: map[string]string{}}, nil
}

// postSync syncs at once with Config.Sync and answers the state after.
func (h *handler) postSync(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).all() {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
		return
	}
	if h.cfg.Sync == nil {
		writeError(w, http.StatusNotFound, "the plans are not synced from a source (admin.Config.Sync; smokex serve --sync)")
		return
	}
	if err := h.cfg.Sync(r.Context()); err != nil {
		h.storeError(w, r, err)
		return
	}
	h.getSync(w, r)
}

// previewRequest is the body of POST /api/sync/preview.
type previewRequest struct {
	// Revision is the revision the files are of.
	Revision record.Source `json:"revision"`
	// Files are the files under the revision's path, by their path
	// relative to it: the plans and the files their schemas refer to.
	Files map[string]string `json:"files"`
	// AllowEmpty is smokex.SyncOpts.AllowEmpty.
	AllowEmpty bool `json:"allow_empty"`
}

// previewSync answers what a sync of the files sent would change
// (smokex.SyncPreview), changing nothing: smokex sync --dry-run --server.
// It shows the stored plans' YAML, so it needs a request that sees every
// plan with their YAML.
func (h *handler) previewSync(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).all() {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPreviewBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the files take more than the limit of 48 MiB")
		return
	}
	var req previewRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be {\"revision\": {\"commit\", \"path\"}, \"files\": {path: content}}: "+err.Error())
		return
	}
	fsys := fstest.MapFS{}
	for name, content := range req.Files {
		if !fs.ValidPath(name) || name == "." {
			writeError(w, http.StatusBadRequest, "files: "+quoteID(name)+" is not a slash-separated path inside the revision's path")
			return
		}
		fsys[name] = &fstest.MapFile{Data: []byte(content), Mode: 0o444}
	}
	pv, err := h.eng.PreviewSync(r.Context(), fsys, req.Revision, &smokex.SyncOpts{AllowEmpty: req.AllowEmpty})
	if errors.Is(err, smokex.ErrEmptySource) {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pv)
}

// syncPanel is the overview's panel of the sync from a source.
type syncPanel struct {
	State *record.SyncState
	// CanSync shows the "Sync now" button.
	CanSync bool
}

// syncPanel returns the overview's sync panel: nil when the plans are not
// synced from a source, or when r may not see every plan.
func (p *pages) syncPanel(r *http.Request) (*syncPanel, error) {
	if !accessOf(r).all() {
		return nil, nil
	}
	st, err := p.h.eng.SyncState(r.Context())
	if err != nil || (st == nil && p.h.cfg.Sync == nil) {
		return nil, err
	}
	if st == nil {
		st = &record.SyncState{}
	}
	return &syncPanel{State: st, CanSync: p.h.cfg.Sync != nil && allows(r, RoleOperator, true)}, nil
}

// notShown returns the load errors of list whose file the panel does not
// show, so that a file of the repository is not shown twice.
func (sp *syncPanel) notShown(list []*LoadError) []*LoadError {
	var out []*LoadError
	for _, le := range list {
		if !slices.ContainsFunc(sp.State.Errors, func(se record.SyncError) bool { return se.File == path.Join(sp.State.Path, le.File) }) {
			out = append(out, le)
		}
	}
	return out
}
