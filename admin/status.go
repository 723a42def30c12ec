package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex/record"
)

// statusBody is the answer of GET /status.
type statusBody struct {
	// Status is "passing" when every selected plan's latest execution that
	// passed, degraded or failed passed (or it has none yet), "degraded"
	// when each passed or degraded and one degraded (up, but slow),
	// "failing" otherwise. Canceled executions are looked past: they say
	// nothing of the target.
	Status string       `json:"status"`
	Plans  []planStatus `json:"plans"`
	// LoadErrors name the plan files that do not load (those of the
	// selected plans when a query selects): their plans run as they were
	// when they last loaded, and the status is that of those runs.
	LoadErrors []*LoadError `json:"load_errors"`
}

type planStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// status answers 200 when every selected plan is up (passed or degraded),
// 503 otherwise, for
// load balancers, probes and uptime checkers. Without a query it answers
// for every plan; ?plan=ID for that plan alone (404 for an unknown plan),
// and ?label=key=value for the plans with that label (repeat it: the plans
// with every one; 404 when none has them).
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	snap, err := h.snapshot(r, false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	if !q.Has("plan") && !q.Has("label") {
		snap.statusOnce.Do(func() {
			snap.statusCode, snap.statusBody = statusOf(snap.plans, loadErrorsJSON(snap))
		})
		writeBody(w, snap.statusCode, snap.statusBody)
		return
	}
	selected, code, msg := selectPlans(snap, q["plan"], q["label"])
	if code != http.StatusOK {
		writeError(w, code, msg)
		return
	}
	errs := []*LoadError{}
	for _, ps := range selected {
		if ps.loadError != nil {
			errs = append(errs, loadErrorJSON(ps.loadError))
		}
	}
	code, body := statusOf(selected, errs)
	writeBody(w, code, body)
}

// statusOf is the code and body of /status for plans.
func statusOf(plans []*planState, errs []*LoadError) (int, []byte) {
	out := statusBody{Status: "passing", Plans: make([]planStatus, len(plans)), LoadErrors: errs}
	for i, ps := range plans {
		out.Plans[i] = planStatus{ID: ps.plan.ID, Status: ps.statusName()}
		switch {
		case !ps.passing():
			out.Status = "failing"
		case out.Status == "passing" && ps.latest != nil && ps.latest.Status == record.StatusDegraded:
			out.Status = "degraded"
		}
	}
	code := http.StatusOK
	if out.Status == "failing" {
		code = http.StatusServiceUnavailable
	}
	return code, encodeJSON(out)
}

// selectPlans returns the plans of snap that /status?plan=&label= selects:
// the plans named (at most one), with every label given. The code is 400
// for a label that is not key=value or more than one plan, 404 when the
// plan is unknown or no plan has the labels.
func selectPlans(snap *snapshot, ids, labels []string) ([]*planState, int, string) {
	type kv struct{ k, v string }
	want := make([]kv, 0, len(labels))
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, http.StatusBadRequest, "label " + strconv.Quote(l) + " is not key=value, as in ?label=team=payments"
		}
		want = append(want, kv{k, v})
	}
	candidates := snap.plans
	switch len(ids) {
	case 0:
	case 1:
		ps, ok := snap.byID[ids[0]]
		if !ok {
			return nil, http.StatusNotFound, "no plan has the id " + strconv.Quote(ids[0])
		}
		candidates = []*planState{ps}
	default:
		return nil, http.StatusBadRequest, "give one plan, or select several with ?label=key=value"
	}
	var out []*planState
	for _, ps := range candidates {
		keep := true
		for _, w := range want {
			if v, ok := ps.plan.Labels[w.k]; !ok || v != w.v {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, ps)
		}
	}
	if len(out) == 0 {
		return nil, http.StatusNotFound, "no plan has the label " + strings.Join(labels, " and ")
	}
	return out, http.StatusOK, ""
}

// badgeColors are shields' colours by status.
var badgeColors = map[string]string{
	"passed":   "#4c1",
	"failed":   "#e05d44",
	"degraded": "#dfb317",
	"canceled": "#9f9f9f",
	"pending":  "#9f9f9f",
}

var badgeSVG = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("badge").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="20" role="img" aria-label="{{.Label}}: {{.Message}}">
<title>{{.Label}}: {{.Message}}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{{.W}}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{{.LW}}" height="20" fill="#555"/><rect x="{{.LW}}" width="{{.MW}}" height="20" fill="{{.Color}}"/><rect width="{{.W}}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="{{.LX}}" y="15" fill="#010101" fill-opacity=".3">{{.Label}}</text><text x="{{.LX}}" y="14">{{.Label}}</text>
<text x="{{.MX}}" y="15" fill="#010101" fill-opacity=".3">{{.Message}}</text><text x="{{.MX}}" y="14">{{.Message}}</text>
</g></svg>
`))
})

// textWidth estimates the width in pixels of s in 11px Verdana.
func textWidth(s string) int {
	return utf8.RuneCountInString(s)*7 + 10
}

// renderBadge draws a shields-style badge.
func renderBadge(label, message, color string) []byte {
	lw, mw := textWidth(label), textWidth(message)
	var b bytes.Buffer
	err := badgeSVG().Execute(&b, map[string]any{
		"Label": label, "Message": message, "Color": color,
		"LW": lw, "MW": mw, "W": lw + mw,
		"LX": strconv.FormatFloat(float64(lw)/2, 'f', 1, 64),
		"MX": strconv.FormatFloat(float64(lw)+float64(mw)/2, 'f', 1, 64),
	})
	if err != nil {
		panic(fmt.Sprintf("admin: rendering a badge: %v", err))
	}
	return b.Bytes()
}

// badge answers GET /badge/{id}.svg with the plan's status; ?label= sets
// the left half (the plan's id by default).
func (h *handler) badge(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	if !ok {
		writeError(w, http.StatusNotFound, "a badge is at /badge/{id}.svg")
		return
	}
	snap, err := h.snapshot(r, false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	label := r.URL.Query().Get("label")
	if label == "" {
		label = id
	}
	code, message, color := http.StatusOK, "", ""
	if ps, found := snap.byID[id]; found {
		message = ps.statusName()
		color = badgeColors[message]
		if color == "" {
			color = badgeColors["failed"]
		}
	} else {
		code, message, color = http.StatusNotFound, "not found", badgeColors["pending"]
	}
	writeBadge(w, code, label, message, color)
}

// uptimeWindows are the windows of the uptime badge, by ?window=.
var uptimeWindows = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// figureBadge answers GET /badge/{id}/uptime.svg?window=24h|7d|30d (7d by
// default) with the share of the plan's executions in the window that
// were up, and GET /badge/{id}/response-time.svg with the median duration
// of its recent executions (the summary's P50).
func (h *handler) figureBadge(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	if file != "uptime.svg" && file != "response-time.svg" {
		writeError(w, http.StatusNotFound, "a plan's badges are /badge/{id}.svg, /badge/{id}/uptime.svg and /badge/{id}/response-time.svg")
		return
	}
	window := r.URL.Query().Get("window")
	if window == "" {
		window = "7d"
	}
	span, ok := uptimeWindows[window]
	if !ok {
		writeError(w, http.StatusBadRequest, "window "+strconv.Quote(window)+" is not one of 24h, 7d and 30d")
		return
	}
	snap, err := h.snapshot(r, false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	ps, found := snap.byID[id]
	label := r.URL.Query().Get("label")
	code, message, color := http.StatusOK, "no data", badgeColors["pending"]
	switch {
	case !found:
		code, message = http.StatusNotFound, "not found"
		if label == "" {
			label = id
		}
	case file == "uptime.svg":
		if label == "" {
			label = "uptime " + window
		}
		up, err := h.pages.uptime(r.Context(), id, span)
		if err != nil {
			h.storeError(w, r, err)
			return
		}
		if up != nil {
			message, color = uptimeText(*up), uptimeColor(*up)
		}
	default:
		if label == "" {
			label = "response time"
		}
		if ps.summary != nil && ps.summary.P50 > 0 {
			message, color = formatMS(millis(ps.summary.P50)), "#007ec6"
		}
	}
	writeBadge(w, code, label, message, color)
}

// uptimeText writes a share as a percentage with the decimals that tell
// nines apart: 100%, 99.95%, 97.3%.
func uptimeText(v float64) string {
	pct := v * 100
	switch {
	case pct >= 100:
		return "100%"
	case pct >= 99:
		return strconv.FormatFloat(math.Floor(pct*100)/100, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(math.Floor(pct*10)/10, 'f', -1, 64) + "%"
}

// uptimeColor is shields' scale for an uptime share.
func uptimeColor(v float64) string {
	switch {
	case v >= 0.999:
		return badgeColors["passed"]
	case v >= 0.99:
		return "#97ca00"
	case v >= 0.95:
		return badgeColors["degraded"]
	}
	return badgeColors["failed"]
}

// writeBadge answers with a badge, never cached.
func writeBadge(w http.ResponseWriter, code int, label, message, color string) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-cache, max-age=0")
	w.WriteHeader(code)
	w.Write(renderBadge(label, message, color))
}
