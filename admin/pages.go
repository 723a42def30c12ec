package admin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Limits of what the pages show.
const (
	// chartRuns is how many executions the plan page lists and charts.
	chartRuns = 50
	// uptimeScan bounds the executions read to compute an uptime.
	uptimeScan = 10 * storage.MaxListLimit
	// excerptSize bounds a body shown on the execution page.
	excerptSize = 4 << 10
)

// pages renders the dashboard.
type pages struct {
	h     *handler
	views map[string]*template.Template
}

var funcs = template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clock":   func(t time.Time) string { return t.UTC().Format("Jan 2 15:04:05 UTC") },
	"ago":     func(t time.Time) string { return ago(time.Since(t)) },
	"ms":      func(d time.Duration) string { return formatMS(record.Millis(d)) },
	"msf":     formatMS,
	"pct": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strconv.FormatFloat(math.Floor(*v*1000)/10, 'f', -1, 64) + "%"
	},
	"ratio": func(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64) + "%" },
	"num":   func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) },
	"days":  func(d time.Duration) string { return strconv.FormatFloat(d.Hours()/24, 'f', -1, 64) + " d" },
	"short": func(id string) string {
		if len(id) > 8 {
			return id[len(id)-8:]
		}
		return id
	},
	"join":       func(v []string) string { return strings.Join(v, ", ") },
	"excerpt":    excerpt,
	"stepStatus": stepStatus,
}

func newPages(h *handler) *pages {
	p := &pages{h: h, views: map[string]*template.Template{}}
	for _, name := range []string{"overview", "plan", "execution", "edit", "notfound", "incidents", "locations"} {
		p.views[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

func (p *pages) routes(mux *http.ServeMux) {
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(assets)
	mux.Handle("GET /assets/", http.StripPrefix("/assets", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /{$}", p.overview)
	mux.HandleFunc("GET /plans/{id}", p.plan)
	mux.HandleFunc("GET /plans/{id}/edit", p.edit)
	mux.HandleFunc("GET /new", p.edit)
	mux.HandleFunc("GET /incidents", p.incidents)
	mux.HandleFunc("GET /locations", p.locations)
	mux.HandleFunc("GET /executions/{id}", p.execution)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.notFound(w, r, "There is no page at "+r.URL.Path+".")
	})
}

// page is what every page's layout needs.
type page struct {
	Title       string
	PageTitle   string
	Page        string
	Base        string
	PlanID      string
	ExecutionID string
	AllowRun    bool
	AllowEdit   bool
	AllowDelete bool
	// Who is the name of the token the page is shown to, empty for the
	// host's admin; Role is its role.
	Who  string
	Role Role
	// HideBodies is set for a viewer, who is not shown the requests' and
	// responses' bodies and headers, nor the plans' YAML.
	HideBodies bool
	// ShowLocations is set when the Locations page is shown to r: to the
	// tokens that see every plan. (Pages have Locations of their own.)
	ShowLocations bool
}

// newPage fills the layout's data for r. Base is the relative way back to
// the handler's root, so that links work under any prefix.
func (p *pages) newPage(r *http.Request, name, title string) page {
	depth := strings.Count(strings.TrimPrefix(r.URL.Path, "/"), "/")
	base := "./"
	if depth > 0 {
		base = strings.Repeat("../", depth)
	}
	cfg := p.h.cfg
	a := accessOf(r)
	return page{Title: cfg.Title, PageTitle: title, Page: name, Base: base,
		AllowRun: allows(r, RoleOperator, cfg.AllowRun), AllowEdit: allows(r, RoleAdmin, cfg.AllowEdit), AllowDelete: allows(r, RoleAdmin, cfg.AllowDelete),
		Who: a.Name, Role: a.Role, HideBodies: a.hidesBodies(), ShowLocations: a.seesEveryPlan()}
}

func (p *pages) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var b bytes.Buffer
	if err := p.views[name].ExecuteTemplate(&b, "layout", data); err != nil {
		p.h.cfg.Logger.Error("smokex admin: rendering "+name, "error", err)
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'self'")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func (p *pages) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	data := struct {
		page
		Message string
	}{p.newPage(r, "notfound", "Not found"), msg}
	p.render(w, r, http.StatusNotFound, "notfound", data)
}

func (p *pages) failed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		http.Error(w, "smokex admin: "+r.Context().Err().Error(), http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "smokex admin: "+p.h.internal(w, r, err), http.StatusInternalServerError)
}

// planRow is a plan on the overview.
type planRow struct {
	ID, Name, Description string
	Status                string
	Running               bool
	Last                  *record.Execution
	SuccessRate           *float64
	Heartbeat             heartbeat
	// PausedUntil is when the plan's pause ends, zero when not paused.
	PausedUntil time.Time
	Next        time.Time
	// Locations are, for a plan with locations, the status of each after
	// its latest run.
	Locations []locationCell
}

// locationCell is a location's status in a row of the overview.
type locationCell struct{ Name, Status string }

func (p *pages) overview(w http.ResponseWriter, r *http.Request) {
	snap, err := p.h.snapshot(r, true)
	if err != nil {
		p.failed(w, r, err)
		return
	}
	data := struct {
		page
		Plans      []planRow
		Overall    string
		LoadErrors []*LoadError
		Sync       *syncPanel
	}{page: p.newPage(r, "overview", "Plans"), Overall: "passing", LoadErrors: loadErrorsJSON(snap)}
	if data.Sync, err = p.syncPanel(r); err != nil {
		p.failed(w, r, err)
		return
	}
	if data.Sync != nil {
		data.LoadErrors = data.Sync.notShown(data.LoadErrors)
	}
	extra, err := snap.overview.get(r.Context(), p.h.eng)
	if err != nil {
		p.failed(w, r, err)
		return
	}
	now := time.Now()
	for _, ps := range snap.plans {
		row := planRow{ID: ps.plan.ID, Name: ps.plan.Name, Description: ps.plan.Description, Status: ps.statusName(), Next: ps.next}
		if row.Name == "" {
			row.Name = ps.plan.ID
		}
		if !ps.passing() {
			data.Overall = "failing"
		}
		j := planJSON(ps)
		row.Last, row.SuccessRate = j.Last, j.Summary.SuccessRate
		row.Running = row.Last != nil && !row.Last.Status.Done()
		row.Heartbeat = newHeartbeat(extra.recent[ps.plan.ID])
		if until := extra.pauses[ps.plan.ID]; until.After(now) {
			row.PausedUntil = until
		}
		row.Heartbeat.Base = data.Base
		for _, loc := range ps.plan.Locations {
			c := locationCell{Name: loc, Status: "pending"}
			if x := ps.byLocation[loc]; x != nil {
				c.Status = string(x.Status)
			}
			row.Locations = append(row.Locations, c)
		}
		data.Plans = append(data.Plans, row)
	}
	p.render(w, r, http.StatusOK, "overview", data)
}

// longest is the longest duration of xs, at least 1ns.
func longest(xs []*record.Execution) time.Duration {
	top := time.Duration(1)
	for _, x := range xs {
		top = max(top, x.Duration())
	}
	return top
}

func (p *pages) plan(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if plan.CheckID(id) != nil {
		p.notFound(w, r, "No plan has the id "+quoteID(id)+".")
		return
	}
	snap, err := p.h.snapshot(r, true)
	if err != nil {
		p.failed(w, r, err)
		return
	}
	ps, ok := snap.byID[id]
	if !ok {
		p.notFound(w, r, "No plan has the id "+strconv.Quote(id)+".")
		return
	}
	listed, err := p.h.eng.Store().ListExecutions(r.Context(), &storage.ListExecutionsParams{PlanID: id, Limit: chartRuns})
	if err != nil {
		p.failed(w, r, err)
		return
	}
	j := planJSON(ps)
	data := struct {
		page
		Plan                *Plan
		Status              string
		ReadOnly            bool
		Next                time.Time
		Summary             Summary
		Uptime24h, Uptime7d *float64
		Chart               chart
		Executions          []*record.Execution
		Source              string
		// BadgeVersion changes with the plan's latest execution, so that
		// the badge is fetched again when the page updates live.
		BadgeVersion string
		// PausedUntil is when the plan's pause ends, zero when it is not
		// paused; Pausable is false when the store keeps no pauses.
		PausedUntil time.Time
		Pausable    bool
		// AlertHeld is set while the plan's failing alert is held back
		// because a plan it depends on fails (the stored alert state).
		AlertHeld bool
		// Locations are, for a plan with locations, a row for each.
		Locations []locationRow
	}{
		page: p.newPage(r, "plan", ps.plan.Name), Plan: &j, Status: j.Status, ReadOnly: ps.synced,
		Next: ps.next, Summary: j.Summary, Chart: newChart(listed.Executions, time.Duration(j.Summary.P50MS*float64(time.Millisecond)), time.Duration(j.Summary.P95MS*float64(time.Millisecond)), degradedAfter(ps.plan)), Executions: listed.Executions,
	}
	if !data.HideBodies {
		data.Source = string(ps.plan.Source)
	}
	if data.Plan.Name == "" {
		data.Plan.Name, data.PageTitle = id, id
	}
	data.BadgeVersion = j.Status
	if j.Last != nil {
		data.BadgeVersion += "-" + j.Last.ID + "-" + string(j.Last.Status)
	}
	data.PlanID = id
	data.Locations = locationRows(ps.plan.Locations, listed.Executions, data.Base)
	data.PausedUntil, err = p.h.eng.PlanPause(r.Context(), id)
	switch {
	case errors.Is(err, smokex.ErrPauseUnsupported):
	case err != nil:
		p.failed(w, r, err)
		return
	default:
		data.Pausable = true
	}
	if as, ok := p.h.eng.Store().(storage.AlertStore); ok && len(ps.plan.DependsOn) > 0 {
		st, err := as.GetAlertState(r.Context(), id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			p.failed(w, r, err)
			return
		}
		data.AlertHeld = err == nil && st.Held
	}
	if data.Plan.SLO, err = p.h.budgets.get(r.Context(), id); err != nil {
		p.failed(w, r, err)
		return
	}
	if data.Uptime24h, err = p.uptime(r.Context(), id, 24*time.Hour); err == nil {
		data.Uptime7d, err = p.uptime(r.Context(), id, 7*24*time.Hour)
	}
	if err != nil {
		p.failed(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "plan", data)
}

// degradedAfter is the plan's degraded_after option when it is a literal,
// zero when it is not set or holds ${...}.
func degradedAfter(p *plan.Plan) time.Duration {
	if d := p.Options.DegradedAfter; d.Set && d.Expr == nil {
		return d.Value
	}
	return 0
}

// uptime is the share of the plan's executions over the span before now
// that were up (passed or degraded), of those that passed, degraded or
// failed; nil when there is none. With a store that keeps daily rollups
// (storage.UptimeStore) it reads them, as the status pages do: the first
// day counts pro rata (rollupSpan), so the figure is an estimate, it
// leaves out executions in maintenance, and it outlives the raw
// executions pruned or evicted. Otherwise it reads at most uptimeScan
// executions, the newest.
func (p *pages) uptime(ctx context.Context, planID string, span time.Duration) (*float64, error) {
	now := time.Now().UTC()
	if us, ok := p.h.eng.Store().(storage.UptimeStore); ok {
		rows, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{planID}, Since: now.Add(-span)})
		if err != nil {
			return nil, err
		}
		days := make(map[time.Time]*storage.DailyUptime, len(rows))
		for _, r := range rows {
			days[r.Day.UTC()] = r
		}
		up, all := rollupSpan(days, now, span)
		if all <= 0 {
			return nil, nil
		}
		v := up / all
		return &v, nil
	}
	params := &storage.ListExecutionsParams{PlanID: planID, Statuses: judged, Since: now.Add(-span), Limit: storage.MaxListLimit}
	passed, total := 0, 0
	for total < uptimeScan {
		page, err := p.h.eng.Store().ListExecutions(ctx, params)
		if err != nil {
			return nil, err
		}
		for _, x := range page.Executions {
			total++
			if x.Status.Up() {
				passed++
			}
		}
		if page.NextCursor == "" {
			break
		}
		params.Cursor = page.NextCursor
	}
	if total == 0 {
		return nil, nil
	}
	v := float64(passed) / float64(total)
	return &v, nil
}

// waterfall places each step on the execution's time line.
type waterfall struct {
	H    int
	Rows []waterRow
}

type waterRow struct {
	X, Y, Wait, RX, Recv int
	Status               string
	Title                string
}

func newWaterfall(x *record.Execution) waterfall {
	var wf waterfall
	if len(x.Steps) == 0 || x.StartedAt.IsZero() {
		return wf
	}
	var end time.Duration
	for _, s := range x.Steps {
		if s.Skipped || s.StartedAt.IsZero() {
			continue
		}
		end = max(end, s.StartedAt.Sub(x.StartedAt)+s.Timings.Total)
	}
	if end <= 0 {
		return wf
	}
	scale := func(d time.Duration) int { return int(math.Round(float64(d) / float64(end) * 1000)) }
	for _, s := range x.Steps {
		if s.Skipped || s.StartedAt.IsZero() {
			continue
		}
		off := s.StartedAt.Sub(x.StartedAt)
		fb := min(s.Timings.FirstByte, s.Timings.Total)
		row := waterRow{X: scale(off), Y: len(wf.Rows)*20 + 3, Wait: max(1, scale(fb)), Status: stepStatus(&s)}
		row.RX = row.X + row.Wait
		row.Recv = max(1, scale(s.Timings.Total-fb))
		row.Title = fmt.Sprintf("%s: starts at %s, first byte after %s, %s in all", s.Name,
			formatMS(record.Millis(off)), formatMS(record.Millis(fb)), formatMS(record.Millis(s.Timings.Total)))
		wf.Rows = append(wf.Rows, row)
	}
	wf.H = len(wf.Rows)*20 + 6
	return wf
}

func (p *pages) execution(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if plan.CheckID(id) != nil {
		p.notFound(w, r, "No execution has the id "+quoteID(id)+".")
		return
	}
	x, err := p.h.eng.Store().GetExecution(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		p.notFound(w, r, "No execution has the id "+strconv.Quote(id)+".")
		return
	}
	if err != nil {
		p.failed(w, r, err)
		return
	}
	if x = p.h.execution(r, x); x == nil {
		p.notFound(w, r, "No execution has the id "+strconv.Quote(id)+".")
		return
	}
	name := x.PlanName
	if name == "" {
		name = x.PlanID
	}
	data := struct {
		page
		X         *record.Execution
		PlanName  string
		Waterfall waterfall
	}{page: p.newPage(r, "execution", "Execution of "+name), X: x, PlanName: name, Waterfall: newWaterfall(x)}
	data.ExecutionID = x.ID
	p.render(w, r, http.StatusOK, "execution", data)
}

func (p *pages) edit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !allows(r, RoleAdmin, p.h.cfg.AllowEdit) {
		p.notFound(w, r, "Editing plans is turned off: start smokex serve with --allow-edit (admin.Config.AllowEdit in Go).")
		return
	}
	data := struct {
		page
		Source  string
		Methods []string
	}{page: p.newPage(r, "new", "New plan"), Methods: strings.Fields(strings.ToUpper(plan.MethodKeys))}
	if id != "" {
		pl, err := p.h.eng.Plan(id)
		if err != nil || !p.h.planVisible(r, id) {
			p.notFound(w, r, "No plan has the id "+quoteID(id)+".")
			return
		}
		if p.h.eng.PlanSynced(id) {
			p.notFound(w, r, "Plan "+id+" comes from the file "+pl.File+" and is changed there.")
			return
		}
		data.Page, data.PageTitle, data.PlanID, data.Source = "edit", "Edit "+id, id, string(pl.Source)
	} else {
		data.Source = newPlanTemplate
	}
	p.render(w, r, http.StatusOK, "edit", data)
}

// newPlanTemplate is what the editor of a new plan starts with.
const newPlanTemplate = `name: My service
description: The service answers
schedule: "@every 1m"
steps:
  - get:
      name: health
      url: "https://example.com/"
      expect:
        status_code: 200
`

// stepStatus names a step's outcome.
func stepStatus(s *record.StepResult) string {
	switch {
	case s.Skipped:
		return "skipped"
	case s.Degraded:
		return "degraded"
	case s.OK:
		return "passed"
	default:
		return "failed"
	}
}

// formatMS shows milliseconds with a precision that fits them.
func formatMS(ms float64) string {
	switch {
	case ms >= 10000:
		return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
	case ms >= 100:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	default:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	}
}

// ago says how long ago something was, coarsely.
func ago(d time.Duration) string {
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h ago"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days ago"
	}
}

// excerpt cuts a body to excerptSize on a rune boundary.
func excerpt(s string) string {
	if len(s) <= excerptSize {
		return s
	}
	cut := excerptSize
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n… (" + strconv.Itoa(len(s)-cut) + " more bytes)"
}
