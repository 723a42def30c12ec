package admin

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/planvalue"
)

// MaxPause is the longest pause POST /api/plans/{id}/pause accepts.
const MaxPause = 30 * 24 * time.Hour

// Pause is a plan's pause, as /api/plans/{id}/pause answers.
type Pause struct {
	PlanID string `json:"plan_id"`
	// PausedUntil is when the pause ends, null when the plan is not
	// paused.
	PausedUntil *time.Time `json:"paused_until"`
}

// getPause answers GET /api/plans/{id}/pause.
func (h *handler) getPause(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !checkID(w, "plan", id) || !h.hiddenPlan(w, r, id, false) {
		return
	}
	until, err := h.eng.PlanPause(r.Context(), id)
	h.writePause(w, r, id, until, err)
}

// pausePlan answers POST /api/plans/{id}/pause?for=1h: the plan's
// executions that finish before the pause ends are marked as in
// maintenance and alert nothing.
func (h *handler) pausePlan(w http.ResponseWriter, r *http.Request) {
	id, ok := h.operate(w, r)
	if !ok {
		return
	}
	d, err := pauseLength(r.URL.Query().Get("for"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	until := time.Now().Add(d).UTC().Truncate(time.Second)
	err = h.eng.PausePlan(r.Context(), id, until)
	h.writePause(w, r, id, until, err)
}

// resumePlan answers DELETE /api/plans/{id}/pause: the pause ends now.
func (h *handler) resumePlan(w http.ResponseWriter, r *http.Request) {
	id, ok := h.operate(w, r)
	if !ok {
		return
	}
	err := h.eng.ResumePlan(r.Context(), id)
	h.writePause(w, r, id, time.Time{}, err)
}

// pauseLength reads the for parameter of a pause: a duration (90m, 1h,
// 2d), positive and at most MaxPause.
func pauseLength(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("for is required: how long the pause lasts, as in ?for=1h")
	}
	d, err := planvalue.Duration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("for=%.40q is not a duration like 30m, 1h or 2d", s)
	case d <= 0:
		return 0, fmt.Errorf("for=%s must be positive", s)
	case d > MaxPause:
		return 0, fmt.Errorf("for=%s is longer than the longest pause, 30d", s)
	}
	return d, nil
}

// writePause answers with the plan's pause, or with err.
func (h *handler) writePause(w http.ResponseWriter, r *http.Request, id string, until time.Time, err error) {
	switch {
	case errors.Is(err, smokex.ErrPauseUnsupported):
		writeError(w, http.StatusNotImplemented, err.Error())
		return
	case err != nil:
		h.storeError(w, r, err)
		return
	}
	if r.Method != http.MethodGet {
		h.state.invalidate() // the overview shows the pause at once
	}
	writeJSON(w, http.StatusOK, Pause{PlanID: id, PausedUntil: timePtr(until)})
}
