package admin

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Bounds of what people write into an incident.
const (
	maxIncidentTitle   = 200
	maxIncidentMessage = 10000
	maxIncidentPlans   = 100
	maxIncidentUpdates = 500
	maxIncidentBody    = 64 << 10
)

// incidentJSON is an incident in the API. FirstFailure is the team's
// only: the status pages leave it out.
type incidentJSON struct {
	ID         string               `json:"id"`
	Title      string               `json:"title"`
	Automatic  bool                 `json:"automatic"`
	Status     string               `json:"status"`
	Plans      []string             `json:"plans"`
	StartedAt  time.Time            `json:"started_at"`
	ResolvedAt time.Time            `json:"resolved_at,omitzero"`
	DurationMS float64              `json:"duration_ms"`
	Updates    []incidentUpdateJSON `json:"updates"`
	// FirstFailure is the execution that made the plan failing, for an
	// automatic incident.
	FirstFailure string `json:"first_failure,omitempty"`
}

type incidentUpdateJSON struct {
	Status  string    `json:"status"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

func toIncidentJSON(in *storage.Incident, now time.Time) incidentJSON {
	out := incidentJSON{ID: in.ID, Title: in.Title, Automatic: in.Automatic, Status: string(in.Status), Plans: in.Plans,
		StartedAt: in.StartedAt.UTC(), DurationMS: record.Millis(in.Duration(now)), FirstFailure: in.FirstFailure,
		Updates: make([]incidentUpdateJSON, len(in.Updates))}
	if !in.ResolvedAt.IsZero() {
		out.ResolvedAt = in.ResolvedAt.UTC()
	}
	if out.Plans == nil {
		out.Plans = []string{}
	}
	for i, u := range in.Updates {
		out.Updates[i] = incidentUpdateJSON{Status: string(u.Status), Message: u.Message, At: u.At.UTC()}
	}
	return out
}

// incidentStore returns the engine's store as an IncidentStore, or
// answers 501 and returns nil.
func (h *handler) incidentStore(w http.ResponseWriter) storage.IncidentStore {
	is, ok := h.eng.Store().(storage.IncidentStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "the store keeps no incidents (storage.IncidentStore)")
		return nil
	}
	return is
}

// mayWriteIncidents answers 403 and returns false unless r may write
// incidents: Config.AllowIncidents, or an operator's token.
func (h *handler) mayWriteIncidents(w http.ResponseWriter, r *http.Request) bool {
	if !allows(r, RoleOperator, h.cfg.AllowIncidents) {
		writeError(w, http.StatusForbidden, refusal(r, RoleOperator, "writing incidents is turned off (admin.Config.AllowIncidents; smokex serve --allow-incidents)"))
		return false
	}
	return true
}

// listIncidents answers GET /api/incidents: the newest incidents of the
// plans r may see (?plan=ID for one plan's).
func (h *handler) listIncidents(w http.ResponseWriter, r *http.Request) {
	is := h.incidentStore(w)
	if is == nil {
		return
	}
	params := &storage.ListIncidentsParams{Limit: storage.MaxListLimit}
	if id := r.URL.Query().Get("plan"); id != "" {
		// A scoped token gets 404 for a plan that does not exist as for
		// one it may not see, so that the answer tells it nothing.
		if !checkID(w, "plan", id) || !h.hiddenPlan(w, r, id, true) {
			return
		}
		params.PlanIDs = []string{id}
	}
	list, err := is.ListIncidents(r.Context(), params)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	now := time.Now()
	out := struct {
		Incidents []incidentJSON `json:"incidents"`
	}{Incidents: []incidentJSON{}}
	for _, in := range list {
		if h.incidentVisible(r, in) {
			out.Incidents = append(out.Incidents, toIncidentJSON(in, now))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// incidentVisible reports whether r sees every plan of in. An incident
// of no plan is for those who see every plan: a token scoped by labels
// does not see it.
func (h *handler) incidentVisible(r *http.Request, in *storage.Incident) bool {
	if len(in.Plans) == 0 {
		return accessOf(r).seesEveryPlan()
	}
	for _, id := range in.Plans {
		if !h.planVisible(r, id) {
			return false
		}
	}
	return true
}

// incidentInput is the body of POST /api/incidents and of its updates, as
// JSON or as a form (the dashboard's, which sends plans repeated).
type incidentInput struct {
	Title   string   `json:"title"`
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Plans   []string `json:"plans"`
}

// readIncidentInput reads the body of r, JSON or a form; form reports
// which, so that a browser is sent back to the page.
func readIncidentInput(w http.ResponseWriter, r *http.Request) (in incidentInput, form bool, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxIncidentBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return in, true, err
		}
		in = incidentInput{Title: r.PostForm.Get("title"), Status: r.PostForm.Get("status"), Message: r.PostForm.Get("message")}
		for _, v := range r.PostForm["plans"] {
			for p := range strings.SplitSeq(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					in.Plans = append(in.Plans, p)
				}
			}
		}
		return in, true, nil
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, false, fmt.Errorf("the body is not an incident as JSON {title, status, message, plans}: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return in, false, errors.New("the body holds more than one JSON value")
	}
	return in, false, nil
}

// checkUpdate checks the status and message of an incident's update.
func checkUpdate(in incidentInput) (storage.IncidentUpdate, error) {
	st := storage.IncidentStatus(in.Status)
	switch {
	case !st.Valid():
		return storage.IncidentUpdate{}, fmt.Errorf("status %q is not one of investigating, identified, monitoring, resolved", in.Status)
	case strings.TrimSpace(in.Message) == "":
		return storage.IncidentUpdate{}, errors.New("message is empty: say what is known")
	case utf8.RuneCountInString(in.Message) > maxIncidentMessage:
		return storage.IncidentUpdate{}, fmt.Errorf("message is longer than %d characters", maxIncidentMessage)
	case !utf8.ValidString(in.Message):
		return storage.IncidentUpdate{}, errors.New("message is not valid UTF-8")
	}
	return storage.IncidentUpdate{Status: st, Message: strings.TrimSpace(in.Message), At: time.Now().UTC().Truncate(time.Microsecond)}, nil
}

// createIncident answers POST /api/incidents.
func (h *handler) createIncident(w http.ResponseWriter, r *http.Request) {
	if !h.mayWriteIncidents(w, r) {
		return
	}
	is := h.incidentStore(w)
	if is == nil {
		return
	}
	body, form, err := readIncidentInput(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	u, err := checkUpdate(body)
	title := strings.TrimSpace(body.Title)
	switch {
	case err != nil:
	case title == "":
		err = errors.New("title is empty")
	case utf8.RuneCountInString(title) > maxIncidentTitle || !utf8.ValidString(title):
		err = fmt.Errorf("title is not valid UTF-8 of at most %d characters", maxIncidentTitle)
	case len(body.Plans) == 0:
		err = errors.New("plans is empty: name the plans the incident concerns, by ID")
	case len(body.Plans) > maxIncidentPlans:
		err = fmt.Errorf("plans names more than %d plans", maxIncidentPlans)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	plans := []string{}
	for _, id := range body.Plans {
		if slices.Contains(plans, id) {
			continue
		}
		if _, err := h.eng.Plan(id); err != nil || !h.planVisible(r, id) {
			writeError(w, http.StatusNotFound, "no plan has the id "+quoteID(id))
			return
		}
		plans = append(plans, id)
	}
	in := &storage.Incident{ID: "inc-" + strings.ToLower(rand.Text()[:12]), Title: title, Status: u.Status, Plans: plans,
		StartedAt: u.At, CreatedAt: u.At, Updates: []storage.IncidentUpdate{u}}
	if u.Status == storage.IncidentResolved {
		in.ResolvedAt = u.At
	}
	if err := is.CreateIncident(r.Context(), in); err != nil {
		h.storeError(w, r, err)
		return
	}
	h.incidentChanged(r, in, &u)
	if form {
		seeOtherTo(w, "../incidents")
		return
	}
	w.Header().Set("Location", "incidents/"+in.ID)
	writeJSON(w, http.StatusCreated, toIncidentJSON(in, time.Now()))
}

// getIncident answers GET /api/incidents/{id}, where POST /api/incidents
// says the new incident is (Location): 404 for an incident r may not see,
// as for one that does not exist.
func (h *handler) getIncident(w http.ResponseWriter, r *http.Request) {
	is := h.incidentStore(w)
	if is == nil {
		return
	}
	if in := h.visibleIncident(w, r, is, r.PathValue("id")); in != nil {
		writeJSON(w, http.StatusOK, toIncidentJSON(in, time.Now()))
	}
}

// visibleIncident reads the incident with the id, and answers 404 and
// returns nil when the store has none or r may not see it.
func (h *handler) visibleIncident(w http.ResponseWriter, r *http.Request, is storage.IncidentStore, id string) *storage.Incident {
	in, err := is.GetIncident(r.Context(), id)
	if err == nil && !h.incidentVisible(r, in) {
		err = fmt.Errorf("incident %s: %w", quoteID(id), storage.ErrNotFound)
	}
	if err != nil {
		h.storeError(w, r, err)
		return nil
	}
	return in
}

// updateIncident answers POST /api/incidents/{id}/updates.
func (h *handler) updateIncident(w http.ResponseWriter, r *http.Request) {
	if !h.mayWriteIncidents(w, r) {
		return
	}
	is := h.incidentStore(w)
	if is == nil {
		return
	}
	id := r.PathValue("id")
	body, form, err := readIncidentInput(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	u, err := checkUpdate(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cur := h.visibleIncident(w, r, is, id)
	if cur == nil {
		return
	}
	if len(cur.Updates) >= maxIncidentUpdates {
		writeError(w, http.StatusConflict, fmt.Sprintf("the incident has %d updates, the most it may have: open a new one", maxIncidentUpdates))
		return
	}
	in, err := is.AddIncidentUpdate(r.Context(), id, &u)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	h.incidentChanged(r, in, &u)
	if form {
		seeOtherTo(w, "../../../incidents")
		return
	}
	writeJSON(w, http.StatusOK, toIncidentJSON(in, time.Now()))
}

// incidentChanged rebuilds the status pages after a write, and owes the
// update to the alert targets that ask for incidents.
func (h *handler) incidentChanged(r *http.Request, in *storage.Incident, u *storage.IncidentUpdate) {
	if h.public != nil {
		// At once, so that the pages show what the answer says.
		h.public.refresh(r.Context())
	}
	pol := h.eng.Alerts()
	if pol == nil {
		return
	}
	var refs []*record.PlanRef
	for _, id := range in.Plans {
		if p, err := h.eng.Plan(id); err == nil {
			refs = append(refs, &record.PlanRef{ID: p.ID, Name: p.Name, Labels: p.Labels})
		}
	}
	if err := pol.IncidentUpdated(r.Context(), in, u, refs); err != nil {
		h.cfg.Logger.Error("smokex admin: telling the alert targets of an incident", "incident", in.ID, "error", err)
	}
}

// seeOtherTo answers 303 to loc, relative to the request.
func seeOtherTo(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusSeeOther)
}

// incidents renders the dashboard's incidents page: the incidents of the
// plans r sees, and the forms when r may write.
func (p *pages) incidents(w http.ResponseWriter, r *http.Request) {
	type planOption struct{ ID, Name string }
	data := struct {
		page
		Store          bool
		AllowIncidents bool
		Statuses       []storage.IncidentStatus
		Plans          []planOption
		Incidents      []incidentJSON
	}{page: p.newPage(r, "incidents", "Incidents"), AllowIncidents: allows(r, RoleOperator, p.h.cfg.AllowIncidents),
		Statuses: []storage.IncidentStatus{storage.IncidentInvestigating, storage.IncidentIdentified, storage.IncidentMonitoring, storage.IncidentResolved}}
	for _, pl := range p.h.eng.Plans() {
		if visible(r, pl.Labels) {
			name := pl.Name
			if name == "" {
				name = pl.ID
			}
			data.Plans = append(data.Plans, planOption{pl.ID, name})
		}
	}
	if is, ok := p.h.eng.Store().(storage.IncidentStore); ok {
		data.Store = true
		list, err := is.ListIncidents(r.Context(), &storage.ListIncidentsParams{Limit: storage.DefaultListLimit})
		if err != nil {
			p.failed(w, r, err)
			return
		}
		now := time.Now()
		for _, in := range list {
			if p.h.incidentVisible(r, in) {
				data.Incidents = append(data.Incidents, toIncidentJSON(in, now))
			}
		}
	} else {
		data.AllowIncidents = false
	}
	p.render(w, r, http.StatusOK, "incidents", data)
}
