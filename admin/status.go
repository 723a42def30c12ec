package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// statusBody is the answer of GET /status.
type statusBody struct {
	// Status is "passing" when every plan's latest execution that passed
	// or failed passed (or it has none yet), "failing" otherwise. Canceled
	// executions are looked past: they say nothing of the target.
	Status string       `json:"status"`
	Plans  []planStatus `json:"plans"`
}

type planStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// status answers 200 when every plan passes, 503 otherwise, for load
// balancers, probes and uptime checkers.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	snap, err := h.state.get(r.Context(), false)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	snap.statusOnce.Do(func() {
		out := statusBody{Status: "passing", Plans: make([]planStatus, len(snap.plans))}
		for i, ps := range snap.plans {
			out.Plans[i] = planStatus{ID: ps.plan.ID, Status: ps.statusName()}
			if !ps.passing() {
				out.Status = "failing"
			}
		}
		snap.statusCode = http.StatusOK
		if out.Status != "passing" {
			snap.statusCode = http.StatusServiceUnavailable
		}
		snap.statusBody = encodeJSON(out)
	})
	writeBody(w, snap.statusCode, snap.statusBody)
}

// badgeColors are shields' colours by status.
var badgeColors = map[string]string{
	"passed":   "#4c1",
	"failed":   "#e05d44",
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
	snap, err := h.state.get(r.Context(), false)
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
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-cache, max-age=0")
	w.WriteHeader(code)
	w.Write(renderBadge(label, message, color))
}
