package admin

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Plan is a plan as the API shows it.
type Plan struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels"`
	// DependsOn are the IDs of the plans the plan depends on (depends_on):
	// while one of them fails, the plan's failing alert is held back.
	DependsOn []string `json:"depends_on,omitempty"`
	// Schedule is the cron spec, empty for a plan run only on demand.
	Schedule string `json:"schedule"`
	// NextRun is the next scheduled run, null when none.
	NextRun *time.Time `json:"next_run"`
	// Status is "passed", "degraded" or "failed" after the newest
	// execution that ended so (canceled ones say nothing of the target),
	// "pending" when none did.
	Status string `json:"status"`
	// Last is the newest execution in any status, without its steps, null
	// when the plan never ran.
	Last    *record.Execution `json:"last"`
	Summary Summary           `json:"summary"`
	// File is the file the plan was loaded from, when it was.
	File string `json:"file,omitempty"`
	// ReadOnly is true for a plan that comes from a file: the API does not
	// change it.
	ReadOnly bool `json:"read_only"`
	// Source is the plan's YAML; only GET /api/plans/{id} sets it.
	Source *string `json:"source,omitempty"`
	// SLO is where a plan with an slo stands against it: the uptime over
	// its window, the error budget left (minutes and ratio) and the burn
	// rates, measured within the last minute; only GET /api/plans/{id}
	// sets it.
	SLO *record.ErrorBudget `json:"slo,omitempty"`
	// LoadError is set while the plan's file does not load: the plan
	// shown, which still runs, is its version from when it last loaded.
	LoadError *LoadError `json:"load_error,omitempty"`
	// PausedUntil is when the plan's pause ends; only GET
	// /api/plans/{id} sets it, and only while the plan is paused.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
}

// LoadError is a plan file that does not load (a file of a watched folder
// that stopped parsing, or never parsed), as GET /api/plans, GET /status
// and GET /api/plans/{id} show it.
type LoadError struct {
	// File is the file, named as plans' File are.
	File string `json:"file"`
	// Plan is the ID of the plan the file held when it last loaded, which
	// runs as it was then; empty when the file never loaded.
	Plan string `json:"plan,omitempty"`
	// Since is when the file was first seen with these errors.
	Since time.Time `json:"since"`
	// Errors are the file's errors at their lines and columns.
	Errors []PlanError `json:"errors"`
}

func loadErrorJSON(le *smokex.LoadError) *LoadError {
	out := &LoadError{File: le.File, Plan: le.PlanID, Since: le.Since.UTC(), Errors: make([]PlanError, len(le.Errors))}
	for i, pe := range le.Errors {
		out.Errors[i] = PlanError{Line: pe.Line, Column: pe.Column, Message: pe.Message}
	}
	return out
}

// loadErrorsJSON is every load error of snap, [] when there is none.
func loadErrorsJSON(snap *snapshot) []*LoadError {
	out := make([]*LoadError, len(snap.loadErrors))
	for i := range snap.loadErrors {
		out[i] = loadErrorJSON(&snap.loadErrors[i])
	}
	return out
}

// Summary covers a plan's recent finished executions (the store's summary
// window).
type Summary struct {
	// Executions counts the finished executions the summary covers.
	Executions int `json:"executions"`
	// Counts are those executions by status.
	Counts map[record.Status]int `json:"counts"`
	// SuccessRate is the share that was up (passed or degraded), from 0
	// to 1; null when none finished.
	SuccessRate *float64 `json:"success_rate"`
	// P50MS and P95MS are percentiles of their durations in milliseconds.
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func planJSON(ps *planState) Plan {
	p := ps.plan
	out := Plan{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Labels:      maps.Clone(p.Labels),
		DependsOn:   slices.Clone(p.DependsOn),
		Schedule:    p.Schedule,
		Status:      ps.statusName(),
		File:        p.File,
		ReadOnly:    ps.synced,
		Summary:     Summary{Counts: map[record.Status]int{}},
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if !ps.next.IsZero() {
		next := ps.next.UTC()
		out.NextRun = &next
	}
	if ps.loadError != nil {
		out.LoadError = loadErrorJSON(ps.loadError)
	}
	if sum := ps.summary; sum != nil {
		out.Last = sum.Last
		maps.Copy(out.Summary.Counts, sum.Counts)
		out.Summary.Executions = finished(sum)
		if out.Summary.Executions > 0 {
			rate := float64(sum.Counts[record.StatusPassed]+sum.Counts[record.StatusDegraded]) / float64(out.Summary.Executions)
			out.Summary.SuccessRate = &rate
		}
		out.Summary.P50MS = millis(sum.P50)
		out.Summary.P95MS = millis(sum.P95)
	}
	return out
}

func (h *handler) listPlans(w http.ResponseWriter, r *http.Request) {
	snap, err := h.snapshot(r, false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	snap.plansOnce.Do(func() {
		plans := make([]Plan, len(snap.plans))
		for i, ps := range snap.plans {
			plans[i] = planJSON(ps)
		}
		snap.plansBody = encodeJSON(map[string]any{"plans": plans, "load_errors": loadErrorsJSON(snap)})
	})
	writeBody(w, http.StatusOK, snap.plansBody)
}

func (h *handler) getPlan(w http.ResponseWriter, r *http.Request) {
	snap, err := h.snapshot(r, false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	ps, ok := snap.byID[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "no plan has the id "+quoteID(r.PathValue("id")))
		return
	}
	out := planJSON(ps)
	if out.SLO, err = h.budgets.get(r.Context(), ps.plan.ID); err != nil {
		h.storeError(w, r, err)
		return
	}
	until, err := h.eng.PlanPause(r.Context(), ps.plan.ID)
	if err != nil && !errors.Is(err, smokex.ErrPauseUnsupported) {
		h.storeError(w, r, err)
		return
	}
	out.PausedUntil = timePtr(until)
	if !accessOf(r).hidesBodies() {
		// The plan's YAML holds the requests' headers and bodies.
		src := string(ps.plan.Source)
		out.Source = &src
	}
	writeJSON(w, http.StatusOK, out)
}

// PlanError is one problem in a plan sent to PUT /api/plans/{id}.
type PlanError struct {
	// Line and Column are 1-based, zero for a problem of the whole plan.
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// maxPlanSize bounds the body of PUT /api/plans/{id}.
const maxPlanSize = plan.DefaultMaxSize

// checkPlanID answers 400 and returns false when id is not id-safe or
// longer than plan.MaxIDLength.
func checkPlanID(w http.ResponseWriter, id string) bool {
	if err := plan.CheckID(id); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s is not a plan id: %v", quoteID(id), err))
		return false
	}
	if plan.ID(id) != id {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s is not a plan id: use lower-case letters, digits, '-', '_' and '.'", quoteID(id)))
		return false
	}
	return true
}

// readOnly answers 409 and returns true when the plan comes from a file.
func (h *handler) readOnly(w http.ResponseWriter, id string) bool {
	if !h.eng.PlanSynced(id) {
		return false
	}
	where := "a file"
	if p, err := h.eng.Plan(id); err == nil && p.File != "" {
		where = "the file " + p.File
	}
	writeError(w, http.StatusConflict, fmt.Sprintf("plan %s comes from %s and is read-only here: change the file instead", id, where))
	return true
}

func (h *handler) putPlan(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !h.hiddenPlan(w, r, id, false) {
		return
	}
	if !allows(r, RoleAdmin, h.cfg.AllowEdit) {
		writeError(w, http.StatusForbidden, refusal(r, RoleAdmin, "editing plans is turned off (admin.Config.AllowEdit; smokex serve --allow-edit)"))
		return
	}
	if !checkPlanID(w, id) || h.readOnly(w, id) {
		return
	}
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanSize))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a plan must not be larger than %d bytes", maxPlanSize))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the plan: "+err.Error())
		return
	}
	p, err := plan.Parse(src, &plan.ParseOpts{File: id})
	if err != nil {
		writePlanErrors(w, err)
		return
	}
	// The path names the plan, as the store does on load.
	p.ID = id
	p.File = ""
	if !visible(r, p.Labels) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("the plan must have the labels of your token (%s): it would be out of its sight", labelList(accessOf(r).Labels)))
		return
	}
	h.putMu.Lock()
	old, err := h.eng.Plan(id)
	existed := err == nil
	total := int64(len(p.Source))
	for _, q := range h.eng.Plans() {
		if q.ID != id {
			total += int64(len(q.Source))
		}
	}
	if total > h.cfg.MaxPlansBytes {
		h.putMu.Unlock()
		writeError(w, http.StatusInsufficientStorage, fmt.Sprintf(
			"the plans would hold %d bytes of YAML together, past the limit of %d (admin.Config.MaxPlansBytes): delete plans or make them smaller", total, h.cfg.MaxPlansBytes))
		return
	}
	err = h.eng.AddPlan(r.Context(), p)
	h.putMu.Unlock()
	if list := (plan.ErrorList)(nil); errors.As(err, &list) {
		writePlanErrors(w, err) // a depends_on the other plans refuse
		return
	}
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if existed && len(old.Source) > len(p.Source) {
		h.freeMemory()
	}
	h.state.invalidate()
	snap, err := h.snapshot(r, true)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	ps, ok := snap.byID[id]
	if !ok {
		writeError(w, http.StatusConflict, "plan "+id+" was removed while it was saved")
		return
	}
	out := planJSON(ps)
	source := string(p.Source)
	out.Source = &source
	code := http.StatusOK
	if !existed {
		code = http.StatusCreated
		w.Header().Set("Location", "plans/"+id)
	}
	writeJSON(w, code, out)
}

// writePlanErrors answers 422 with the errors of a plan, each at its line
// and column when it has them.
func writePlanErrors(w http.ResponseWriter, err error) {
	var list plan.ErrorList
	var one *plan.Error
	errs := []PlanError{}
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			errs = append(errs, PlanError{Line: e.Line, Column: e.Column, Message: e.Message})
		}
	case errors.As(err, &one):
		errs = append(errs, PlanError{Line: one.Line, Column: one.Column, Message: one.Message})
	default:
		errs = append(errs, PlanError{Message: err.Error()})
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": errs})
}

func (h *handler) deletePlan(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !h.hiddenPlan(w, r, id, true) {
		return
	}
	if !allows(r, RoleAdmin, h.cfg.AllowDelete) {
		writeError(w, http.StatusForbidden, refusal(r, RoleAdmin, "deleting plans is turned off (admin.Config.AllowDelete; smokex serve --allow-edit)"))
		return
	}
	if !checkID(w, "plan", id) || h.readOnly(w, id) {
		return
	}
	if err := h.eng.RemovePlan(r.Context(), id); err != nil {
		h.storeError(w, r, err)
		return
	}
	h.state.forget(id)
	h.freeMemory()
	w.WriteHeader(http.StatusNoContent)
}

// freeMemory hands the memory of a removed or shrunk plan back to the
// system at once, rather than when the runtime gets to it: a host that
// deleted large plans sees its RSS go down. One at a time, in the
// background.
func (h *handler) freeMemory() {
	if !h.freeing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer h.freeing.Store(false)
		debug.FreeOSMemory()
	}()
}

// operate returns the plan id of r, a request to run or pause the plan,
// when r may: else it answers 404 (no such plan, or one r may not see)
// or 403 (AllowRun off, or a role below operator) and returns false.
func (h *handler) operate(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !checkID(w, "plan", id) || !h.hiddenPlan(w, r, id, true) {
		return "", false
	}
	if !allows(r, RoleOperator, h.cfg.AllowRun) {
		writeError(w, http.StatusForbidden, refusal(r, RoleOperator, "running and pausing plans is turned off (admin.Config.AllowRun; smokex serve --allow-run)"))
		return "", false
	}
	return id, true
}

func (h *handler) runPlan(w http.ResponseWriter, r *http.Request) {
	id, ok := h.operate(w, r)
	if !ok {
		return
	}
	xid, err := h.eng.Trigger(r.Context(), id, &smokex.RunOpts{Trigger: record.TriggerAPI})
	if errors.Is(err, smokex.ErrOverlap) {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	w.Header().Set("Location", "../../executions/"+xid)
	writeJSON(w, http.StatusAccepted, map[string]string{"execution_id": xid})
}

// executionPage is the answer of GET /api/executions.
type executionPage struct {
	Executions []*record.Execution `json:"executions"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// listParams reads the query of GET /api/executions.
func listParams(r *http.Request) (*storage.ListExecutionsParams, error) {
	q := r.URL.Query()
	params := &storage.ListExecutionsParams{PlanID: q.Get("plan"), Cursor: q.Get("cursor")}
	if params.PlanID != "" {
		if err := plan.CheckID(params.PlanID); err != nil {
			return nil, fmt.Errorf("plan %s: %w", quoteID(params.PlanID), err)
		}
	}
	for _, v := range q["status"] {
		for _, s := range strings.Split(v, ",") {
			st := record.Status(strings.TrimSpace(s))
			if !slices.Contains(knownStatuses, st) {
				return nil, fmt.Errorf("status %q is not one of %s", s, joinStatuses(knownStatuses))
			}
			params.Statuses = append(params.Statuses, st)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > storage.MaxListLimit {
			return nil, fmt.Errorf("limit must be a number from 1 to %d, not %q", storage.MaxListLimit, v)
		}
		params.Limit = n
	}
	return params, nil
}

// knownStatuses are the statuses a filter may name.
var knownStatuses = append([]record.Status{record.StatusCreated, record.StatusRunning}, doneStatuses...)

func joinStatuses(ss []record.Status) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func (h *handler) listExecutions(w http.ResponseWriter, r *http.Request) {
	params, err := listParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if params.PlanID != "" && !h.hiddenPlan(w, r, params.PlanID, true) {
		return
	}
	page, err := h.eng.Store().ListExecutions(r.Context(), params)
	if err != nil {
		if params.Cursor != "" && r.Context().Err() == nil && !errors.Is(err, storage.ErrUnavailable) {
			// What the store says of it stays in the log.
			h.cfg.Logger.Debug("smokex admin: a cursor refused", "cursor", params.Cursor, "error", err)
			writeError(w, http.StatusBadRequest, "cursor "+quoteID(params.Cursor)+" is not valid with these filters")
			return
		}
		h.storeError(w, r, err)
		return
	}
	// A scoped token's page holds its plans' executions alone, fewer than
	// the limit when others' were among them.
	out := executionPage{Executions: []*record.Execution{}, NextCursor: page.NextCursor}
	for _, x := range page.Executions {
		if x = h.execution(r, x); x != nil {
			out.Executions = append(out.Executions, x)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) getExecution(w http.ResponseWriter, r *http.Request) {
	if !checkID(w, "execution", r.PathValue("id")) {
		return
	}
	x, err := h.eng.Store().GetExecution(r.Context(), r.PathValue("id"))
	if errors.Is(err, storage.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no execution has the id "+strconv.Quote(r.PathValue("id")))
		return
	}
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if x = h.execution(r, x); x == nil {
		writeError(w, http.StatusNotFound, "no execution has the id "+strconv.Quote(r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, x)
}

// ScheduleEntry is one scheduled plan in GET /api/schedule.
type ScheduleEntry struct {
	Plan     string     `json:"plan"`
	Schedule string     `json:"schedule"`
	NextRun  *time.Time `json:"next_run"`
	PrevRun  *time.Time `json:"prev_run"`
}

func (h *handler) schedule(w http.ResponseWriter, r *http.Request) {
	entries, err := h.eng.Entries(r.Context())
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	out := make([]ScheduleEntry, 0, len(entries))
	for _, e := range entries {
		if h.planVisible(r, e.ID) {
			out = append(out, ScheduleEntry{Plan: e.ID, Schedule: e.Spec, NextRun: timePtr(e.Next), PrevRun: timePtr(e.Prev)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
