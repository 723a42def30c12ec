package admin

import (
	"bytes"
	"compress/gzip"
	"context"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// How the status pages are kept. Each page is built into its JSON and HTML
// once per refresh, and requests are answered from them: a request never
// queries the store. A refresh follows an execution finishing (at most one
// per statusMinInterval) and runs every statusMaxAge besides, for the day
// that turns and the executions of other replicas.
const (
	statusDays        = 90
	statusMinInterval = time.Second
	statusMaxAge      = 30 * time.Second
	// maxStatusStreams bounds the open live-update streams of the public
	// pages together: they need no token, so anyone may open them.
	maxStatusStreams = 1000
)

// The states of a plan on a status page.
const (
	stateOperational = "operational"
	stateDegraded    = "degraded"
	stateOutage      = "outage"
	stateMaintenance = "maintenance"
	statePending     = "pending"
)

// statusPageJSON is the answer of /s/<slug>.json, and what the HTML page
// shows.
type statusPageJSON struct {
	Slug        string `json:"slug"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// UpdatedAt is when the page was built.
	UpdatedAt time.Time `json:"updated_at"`
	// Status is operational, degraded, partial_outage or major_outage;
	// Summary says it in words ("All systems operational").
	Status  string            `json:"status"`
	Summary string            `json:"summary"`
	Groups  []statusGroupJSON `json:"groups"`
	// Maintenance lists the plans in a maintenance window of theirs now,
	// or whose latest execution finished in one (or in a pause).
	Maintenance []statusMaintenanceJSON `json:"maintenance"`
	// Incidents are those of the page's plans in its 90 days, newest
	// first, open ones included, naming the plans by name and without
	// their first failure.
	Incidents []incidentJSON `json:"incidents"`
}

type statusGroupJSON struct {
	Name   string           `json:"name"`
	Status string           `json:"status"`
	Plans  []statusPlanJSON `json:"plans"`
}

// statusPlanJSON is a plan on a page: its name and figures, never its
// URL, steps or errors.
type statusPlanJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Status is operational, degraded, outage, maintenance or pending
	// (never ran).
	Status string `json:"status"`
	// Uptime is the percentage of executions up over the last 24h, 7d,
	// 30d and 90d, from the daily rollups (24h counts today and the part
	// of yesterday within 24 hours, pro rata); null without executions.
	Uptime map[string]*float64 `json:"uptime"`
	// Days are the last 90 UTC days, oldest first, today last.
	Days []statusDayJSON `json:"days"`
	// window is the maintenance the plan is in, for the page's list.
	window string
	// SLO is where a plan with an slo stands against it; absent for the
	// others.
	SLO *statusSLOJSON `json:"slo,omitempty"`
}

// statusSLOJSON is a plan's error budget as a status page shows it: the
// figures of record.ErrorBudget, without when it was measured, so that
// the page changes only when they do.
type statusSLOJSON struct {
	Target   float64 `json:"target"`
	WindowMS int64   `json:"window_ms"`
	// Uptime is the up share over the window, null without executions.
	Uptime           *float64 `json:"uptime"`
	BudgetMinutes    float64  `json:"budget_minutes"`
	RemainingMinutes float64  `json:"remaining_minutes"`
	// Remaining is the share of the budget left, below 0 once overspent.
	Remaining float64 `json:"remaining"`
	// BurnRate is the burn rate over the last hour.
	BurnRate float64 `json:"burn_rate"`
}

// statusSLO is the status page's figures of b, nil for nil.
func statusSLO(b *record.ErrorBudget) *statusSLOJSON {
	if b == nil {
		return nil
	}
	return &statusSLOJSON{Target: b.Objective.Target, WindowMS: b.Objective.Window.Milliseconds(), Uptime: b.Uptime,
		BudgetMinutes: b.BudgetMinutes, RemainingMinutes: b.RemainingMinutes, Remaining: b.Remaining, BurnRate: b.BurnRate}
}

type statusDayJSON struct {
	Date string `json:"date"`
	// Uptime is the day's percentage of executions up, null when none ran.
	Uptime *float64 `json:"uptime"`
	Runs   int      `json:"runs"`
	Failed int      `json:"failed"`
	// MeanMS is the day's mean duration in milliseconds, null when none.
	MeanMS *float64 `json:"mean_ms"`
	// Incidents are the titles of the plan's incidents open that day.
	Incidents []string `json:"incidents,omitempty"`
}

type statusMaintenanceJSON struct {
	Plan   string `json:"plan"`
	Window string `json:"window"`
}

// builtPage is one page as answered.
type builtPage struct {
	json, html, atom []byte
	// jsonGz and htmlGz are json and html gzipped, for the clients that
	// take it: a page of many plans' 90 days is mostly repetition.
	jsonGz, htmlGz []byte
	// etag changes with the page's content.
	etag string
}

// statusPages keeps the built pages and refreshes them.
type statusPages struct {
	h     *handler
	pages []StatusPage
	view  *template.Template

	cur atomic.Pointer[map[string]*builtPage]
	// build makes refreshes one at a time, so that an older one never
	// replaces a newer.
	building sync.Mutex
	kick     chan struct{}
	done     chan struct{}
	// changed is closed, and replaced, when a refresh changes a page.
	mu      sync.Mutex
	changed chan struct{}
	// servers holds a channel per server that serves streams, closed
	// when it shuts down.
	servers map[*http.Server]chan struct{}
	streams atomic.Int64
	// version is the engine's PlansVersion the pages were built from.
	version atomic.Uint64
	// warned is set once the store was found to keep no rollups.
	warned atomic.Bool
}

func newStatusPages(h *handler) *statusPages {
	s := &statusPages{
		h:       h,
		pages:   h.cfg.StatusPages,
		view:    template.Must(template.New("statuspage").Funcs(statusFuncs).ParseFS(templateFS, "templates/statuspage.html")),
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		servers: map[*http.Server]chan struct{}{},
	}
	return s
}

// run refreshes the pages until stop.
func (s *statusPages) run(stop <-chan struct{}) {
	defer close(s.done)
	tick := time.NewTicker(statusMaxAge)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		s.refresh(ctx)
		cancel()
		select {
		case <-stop:
			return
		case <-tick.C:
		case <-s.kick:
			// Let a burst of executions finish before the next build.
			t := time.NewTimer(statusMinInterval)
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// poke asks for a refresh.
func (s *statusPages) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// get returns the built page with slug, nil when no page has it; the
// first call builds the pages.
func (s *statusPages) get(ctx context.Context, slug string) *builtPage {
	if s.version.Load() != s.h.eng.PlansVersion() {
		// Plans came or went: the pages follow, shortly.
		s.poke()
	}
	m := s.cur.Load()
	if m == nil {
		s.refresh(ctx)
		if m = s.cur.Load(); m == nil {
			return nil
		}
	}
	return (*m)[slug]
}

// wait returns a channel closed at the next change of the pages.
func (s *statusPages) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// refresh builds every page; what fails is logged, and the pages built
// last stay.
func (s *statusPages) refresh(ctx context.Context) {
	s.building.Lock()
	defer s.building.Unlock()
	snap, err := s.h.state.get(ctx, true)
	if err != nil {
		s.h.cfg.Logger.Warn("smokex admin: refreshing the status pages", "error", err)
		return
	}
	now := time.Now().UTC()
	today := storage.UTCDay(now)
	first := today.AddDate(0, 0, -(statusDays - 1))
	ids := s.planIDs(snap)
	rollups := map[string]map[time.Time]*storage.DailyUptime{}
	if us, ok := s.h.eng.Store().(storage.UptimeStore); ok {
		rows, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: ids, Since: first})
		if err != nil {
			s.h.cfg.Logger.Warn("smokex admin: reading the uptime rollups", "error", err)
			return
		}
		for _, r := range rows {
			if rollups[r.PlanID] == nil {
				rollups[r.PlanID] = map[time.Time]*storage.DailyUptime{}
			}
			rollups[r.PlanID][r.Day.UTC()] = r
		}
	} else if s.warned.CompareAndSwap(false, true) {
		s.h.cfg.Logger.Warn("smokex admin: the store keeps no daily uptime (storage.UptimeStore): the status pages show no history")
	}
	var incidents []*storage.Incident
	if is, ok := s.h.eng.Store().(storage.IncidentStore); ok && len(ids) > 0 {
		var err error
		incidents, err = is.ListIncidents(ctx, &storage.ListIncidentsParams{PlanIDs: ids, Since: first, Limit: storage.MaxListLimit})
		if err != nil {
			s.h.cfg.Logger.Warn("smokex admin: reading the incidents", "error", err)
			return
		}
	}
	budgets := map[string]*record.ErrorBudget{}
	for _, id := range ids {
		if ps := snap.byID[id]; ps == nil || ps.plan.SLO == nil {
			continue
		}
		b, err := s.h.budgets.get(ctx, id)
		if err != nil {
			s.h.cfg.Logger.Warn("smokex admin: measuring an error budget for the status pages", "plan", id, "error", err)
			continue
		}
		budgets[id] = b
	}
	old := s.cur.Load()
	built := make(map[string]*builtPage, len(s.pages))
	changed := old == nil
	for i := range s.pages {
		pg := &s.pages[i]
		data := s.build(pg, snap, rollups, incidents, budgets, now)
		b := s.render(pg, data)
		if old != nil {
			if prev := (*old)[pg.Slug]; prev != nil && prev.etag == b.etag {
				b = prev
			} else {
				changed = true
			}
		}
		built[pg.Slug] = b
	}
	s.cur.Store(&built)
	s.version.Store(snap.version)
	if changed {
		s.mu.Lock()
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
}

// planIDs returns the IDs of the plans on any page.
func (s *statusPages) planIDs(snap *snapshot) []string {
	var ids []string
	plans := snapPlans(snap)
	for i := range s.pages {
		for _, g := range s.pages[i].Groups {
			for _, p := range g.resolve(plans) {
				if !slices.Contains(ids, p.ID) {
					ids = append(ids, p.ID)
				}
			}
		}
	}
	return ids
}

// snapPlans returns the plans of snap.
func snapPlans(snap *snapshot) []*plan.Plan {
	out := make([]*plan.Plan, len(snap.plans))
	for i, ps := range snap.plans {
		out[i] = ps.plan
	}
	return out
}

// build gathers what pg shows.
func (s *statusPages) build(pg *StatusPage, snap *snapshot, rollups map[string]map[time.Time]*storage.DailyUptime, incidents []*storage.Incident, budgets map[string]*record.ErrorBudget, now time.Time) *statusPageJSON {
	out := &statusPageJSON{Slug: pg.Slug, Title: pg.Title, Description: pg.Description, UpdatedAt: now.Truncate(time.Second),
		Groups: []statusGroupJSON{}, Maintenance: []statusMaintenanceJSON{}, Incidents: []incidentJSON{}}
	if out.Title == "" {
		out.Title = pg.Slug
	}
	plans := snapPlans(snap)
	var up, down, slow int
	for _, g := range pg.Groups {
		gj := statusGroupJSON{Name: g.Name, Status: stateOperational, Plans: []statusPlanJSON{}}
		for _, p := range g.resolve(plans) {
			pj := statusPlan(snap.byID[p.ID], rollups[p.ID], incidents, now)
			pj.SLO = statusSLO(budgets[p.ID])
			switch pj.Status {
			case stateOutage:
				down++
				gj.Status = stateOutage
			case stateDegraded:
				slow++
				if gj.Status == stateOperational {
					gj.Status = stateDegraded
				}
			case stateMaintenance:
				out.Maintenance = append(out.Maintenance, statusMaintenanceJSON{Plan: pj.Name, Window: pj.window})
			case stateOperational:
				up++
			}
			gj.Plans = append(gj.Plans, pj)
		}
		out.Groups = append(out.Groups, gj)
	}
	onPage := map[string]string{}
	for _, g := range out.Groups {
		for _, p := range g.Plans {
			onPage[p.ID] = p.Name
		}
	}
	for _, in := range incidents {
		var names []string
		for _, id := range in.Plans {
			if name, ok := onPage[id]; ok {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		j := toIncidentJSON(in, now)
		j.Plans, j.FirstFailure = names, ""
		out.Incidents = append(out.Incidents, j)
	}
	switch {
	case down > 0 && up == 0 && slow == 0:
		out.Status, out.Summary = "major_outage", "Major outage"
	case down > 0:
		out.Status, out.Summary = "partial_outage", "Partial outage"
	case slow > 0:
		out.Status, out.Summary = "degraded", "Degraded performance"
	default:
		out.Status, out.Summary = "operational", "All systems operational"
	}
	return out
}

// statusPlan is what a page shows of one plan.
func statusPlan(ps *planState, days map[time.Time]*storage.DailyUptime, incidents []*storage.Incident, now time.Time) statusPlanJSON {
	name := ps.plan.Name
	if name == "" {
		name = ps.plan.ID
	}
	pj := statusPlanJSON{ID: ps.plan.ID, Name: name, Status: statePending, Days: make([]statusDayJSON, statusDays)}
	for i := range ps.plan.Maintenance {
		if w := &ps.plan.Maintenance[i]; w.Holds(now) {
			pj.Status, pj.window = stateMaintenance, w.String()
			break
		}
	}
	switch x := ps.latest; {
	case pj.window != "":
	case x == nil:
	case x.Maintenance != "":
		pj.Status, pj.window = stateMaintenance, x.Maintenance
	case x.Status == record.StatusFailed:
		pj.Status = stateOutage
	case x.Status == record.StatusDegraded:
		pj.Status = stateDegraded
	default:
		pj.Status = stateOperational
	}
	today := storage.UTCDay(now)
	for i := range pj.Days {
		day := today.AddDate(0, 0, i-(statusDays-1))
		dj := statusDayJSON{Date: day.Format(time.DateOnly)}
		if r := days[day]; r != nil && r.Total() > 0 {
			dj.Runs, dj.Failed = r.Total(), r.Failed
			dj.Uptime = percent(r.Up(), r.Total())
			if r.Timed > 0 {
				ms := record.Millis(r.Mean())
				dj.MeanMS = &ms
			}
		}
		end := day.AddDate(0, 0, 1)
		for _, in := range incidents {
			if slices.Contains(in.Plans, ps.plan.ID) && in.StartedAt.Before(end) && (in.ResolvedAt.IsZero() || !in.ResolvedAt.Before(day)) {
				dj.Incidents = append(dj.Incidents, in.Title)
			}
		}
		pj.Days[i] = dj
	}
	pj.Uptime = map[string]*float64{"24h": ratioPercent(rollupSpan(days, now, 24*time.Hour))}
	for _, n := range []int{7, 30, 90} {
		var u, all int
		for d := range n {
			if r := days[today.AddDate(0, 0, -d)]; r != nil {
				u += r.Up()
				all += r.Total()
			}
		}
		pj.Uptime[strconv.Itoa(n)+"d"] = percent(u, all)
	}
	return pj
}

// rollupSpan sums the executions up and all of them in the rollups days
// (by UTC day) over the span before now: the days after the one that
// now-span falls in count whole, that one in the part of it within the
// span, pro rata. It is an estimate: a rollup does not say when in its
// day an execution ran. Over 24 hours, it is today and yesterday's share.
func rollupSpan(days map[time.Time]*storage.DailyUptime, now time.Time, span time.Duration) (up, all float64) {
	since := now.Add(-span)
	first, today := storage.UTCDay(since), storage.UTCDay(now)
	for day := first; !day.After(today); day = day.AddDate(0, 0, 1) {
		r := days[day]
		if r == nil {
			continue
		}
		share := 1.0
		if day.Equal(first) && day.Before(today) {
			share = day.AddDate(0, 0, 1).Sub(since).Hours() / 24
		}
		up += float64(r.Up()) * share
		all += float64(r.Total()) * share
	}
	return up, all
}

// percent is up of all as a percentage floored to hundredths (99.999 is
// not 100), nil when all is zero.
func percent(up, all int) *float64 { return ratioPercent(float64(up), float64(all)) }

func ratioPercent(up, all float64) *float64 {
	if all <= 0 {
		return nil
	}
	v := math.Floor(up/all*10000) / 100
	return &v
}

// render encodes and renders a page.
func (s *statusPages) render(pg *StatusPage, data *statusPageJSON) *builtPage {
	b := &builtPage{json: encodeJSON(data), atom: renderAtom(data)}
	// The etag leaves out the time of the build.
	stamp := data.UpdatedAt
	data.UpdatedAt = time.Time{}
	b.etag = strconv.FormatUint(hashBytes(encodeJSON(data)), 36)
	data.UpdatedAt = stamp
	var buf bytes.Buffer
	if err := s.view.ExecuteTemplate(&buf, "statuspage", statusView{statusPageJSON: data, ETag: b.etag}); err != nil {
		s.h.cfg.Logger.Error("smokex admin: rendering status page "+pg.Slug, "error", err)
		buf.Reset()
		buf.WriteString("<!doctype html><title>Status</title><p>The page could not be rendered; its JSON is at " + template.HTMLEscapeString(pg.Slug) + ".json.")
	}
	b.html = buf.Bytes()
	b.jsonGz, b.htmlGz = gzipped(b.json), gzipped(b.html)
	return b
}

// hashBytes is FNV-1a of b.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// statusView is what the page's template renders.
type statusView struct {
	*statusPageJSON
	// ETag is the built page's, which the page's live updates start from.
	ETag string
}

// statusFuncs are the template functions of the status page.
var statusFuncs = template.FuncMap{
	"stateLabel": func(s string) string {
		switch s {
		case stateOperational:
			return "Operational"
		case stateDegraded:
			return "Degraded performance"
		case stateOutage:
			return "Outage"
		case stateMaintenance:
			return "Under maintenance"
		}
		return "No data yet"
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64) + "%"
	},
	"dayClass": dayClass,
	"dayTip":   dayTip,
	"old":      func(i int) bool { return i < statusDays-30 },
	"chart":    newRTChart,
	"msf":      formatMS,
	"duration": func(ms float64) string { return formatDuration(time.Duration(ms * float64(time.Millisecond))) },
	"statusWord": func(s string) string {
		if s == "" {
			return ""
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"join":    func(v []string) string { return strings.Join(v, ", ") },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clock":   func(t time.Time) string { return t.UTC().Format("Jan 2, 15:04 UTC") },
}

// dayClass is the class of a day's cell by its uptime.
func dayClass(d statusDayJSON) string {
	switch u := d.Uptime; {
	case u == nil:
		return "none"
	case *u >= 100:
		return "u100"
	case *u >= 99:
		return "u99"
	case *u >= 95:
		return "u95"
	case *u >= 80:
		return "u80"
	}
	return "u0"
}

// dayTip is a day's tooltip.
func dayTip(d statusDayJSON) string {
	t, _ := time.Parse(time.DateOnly, d.Date)
	var b strings.Builder
	b.WriteString(t.Format("Mon Jan 2, 2006"))
	if d.Uptime == nil {
		b.WriteString(" · no data")
		for _, title := range d.Incidents {
			b.WriteString(" · Incident: " + title)
		}
		return b.String()
	}
	b.WriteString(" · " + strconv.FormatFloat(*d.Uptime, 'f', -1, 64) + "% uptime")
	if d.Failed > 0 {
		b.WriteString(" · " + strconv.Itoa(d.Failed) + " of " + strconv.Itoa(d.Runs) + " checks failed")
	} else {
		b.WriteString(" · " + strconv.Itoa(d.Runs) + " checks, none failed")
	}
	if d.MeanMS != nil {
		b.WriteString(" · mean " + formatMS(*d.MeanMS))
	}
	for _, title := range d.Incidents {
		b.WriteString(" · Incident: " + title)
	}
	return b.String()
}

// rtChart is a plan's response-time chart: the daily mean over the page's
// days, as an SVG polyline in a 900×120 box.
type rtChart struct {
	Points, Area string
	Max, Last    string
	Empty        bool
}

func newRTChart(days []statusDayJSON) rtChart {
	var top float64
	for _, d := range days {
		if d.MeanMS != nil {
			top = max(top, *d.MeanMS)
		}
	}
	if top == 0 {
		return rtChart{Empty: true}
	}
	top *= 1.15
	const w, h = 900.0, 120.0
	step := w / float64(len(days)-1)
	var pts []string
	var firstX, lastX string
	var last float64
	for i, d := range days {
		if d.MeanMS == nil {
			continue
		}
		x := strconv.FormatFloat(float64(i)*step, 'f', 1, 64)
		if firstX == "" {
			firstX = x
		}
		lastX = x
		last = *d.MeanMS
		pts = append(pts, x+","+strconv.FormatFloat(h-*d.MeanMS/top*h, 'f', 1, 64))
	}
	line := strings.Join(pts, " ")
	return rtChart{Points: line, Area: firstX + ",120 " + line + " " + lastX + ",120", Max: formatMS(top), Last: formatMS(last)}
}

// formatDuration is d in words: "4 min", "2 h 5 min", "3 days 2 h".
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days " + strconv.Itoa(int(d%(24*time.Hour)/time.Hour)) + " h"
}

// gzipped is b compressed with gzip.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
