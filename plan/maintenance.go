package plan

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/internal/cronspec"
)

// maintenanceKeys are the keys of a maintenance window.
const maintenanceKeys = "cron duration tz"

// MaintenanceWindow is one window of a plan's maintenance key: it opens
// at each time of Cron, read in TimeZone, and lasts Duration. While one
// is open the plan runs and records as usual, but its executions are
// marked as in maintenance and alert nothing.
//
//	maintenance:
//	  cron: "0 2 * * SUN"
//	  duration: 1h
//	  tz: Europe/Berlin
type MaintenanceWindow struct {
	// Cron is when the window opens, in the syntax of schedule.
	Cron string
	// Duration is how long it stays open; positive.
	Duration time.Duration
	// TimeZone is the IANA zone Cron is read in (key tz); empty is UTC.
	TimeZone string
	// Pos is where the window is written.
	Pos Pos

	window cronspec.Window
}

// Holds reports whether the window is open at t.
func (w *MaintenanceWindow) Holds(t time.Time) bool { return w.window.Holds(t) }

// String describes the window as executions in it are marked:
// "maintenance 0 2 * * SUN for 1h0m0s (Europe/Berlin)".
func (w *MaintenanceWindow) String() string {
	tz := w.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return fmt.Sprintf("maintenance %s for %s (%s)", w.Cron, w.Duration, tz)
}

// maintenance reads the maintenance key: one window or a list of them.
func (p *parser) maintenance(n *yaml.Node) []MaintenanceWindow {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = p.mappings(n, "maintenance must be a window (cron, duration, tz) or a list of them")
	} else if n.Kind != yaml.MappingNode {
		p.errorAt(n, "maintenance must be a window (cron, duration, tz) or a list of them, got %s", describe(n))
		return nil
	}
	var out []MaintenanceWindow
	for _, item := range items {
		if w, ok := p.maintenanceWindow(item); ok {
			out = append(out, w)
		}
	}
	return out
}

// maintenanceWindow reads one window; ok is false when it has an error.
func (p *parser) maintenanceWindow(n *yaml.Node) (MaintenanceWindow, bool) {
	w := MaintenanceWindow{Pos: pos(n)}
	before := len(p.errs)
	var (
		cronNode *yaml.Node
		loc      = time.UTC
		durSeen  bool
	)
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "cron":
			if s, ok := p.str(kv.value, "maintenance cron"); ok {
				w.Cron, cronNode = s, kv.value
			}
		case "duration":
			if d, ok := p.duration(kv.value, "maintenance duration"); ok {
				durSeen = true
				w.Duration = d
				if d <= 0 {
					p.errorAt(kv.value, "maintenance duration must be positive, got %s", kv.value.Value)
				}
			}
		case "tz":
			if s, ok := p.str(kv.value, "maintenance tz"); ok {
				w.TimeZone = s
				var err error
				if loc, err = time.LoadLocation(s); err != nil || s == "" {
					p.errorAt(kv.value, "maintenance tz %q is not a time zone name like Europe/Berlin or UTC", s)
				}
			}
		default:
			p.unknownKey(kv, "a maintenance window", maintenanceKeys)
		}
	}
	sched, err := cronspec.Parse(w.Cron)
	switch {
	case cronNode != nil && err != nil:
		p.errorAt(cronNode, "maintenance cron %q is not a valid cron spec: %v", w.Cron, err)
	case cronNode == nil && len(p.errs) == before:
		p.errorAt(n, "a maintenance window needs cron, when it opens (\"0 2 * * SUN\")")
	}
	if !durSeen && len(p.errs) == before {
		p.errorAt(n, "a maintenance window needs duration, how long it lasts (1h)")
	}
	if len(p.errs) != before {
		return w, false
	}
	w.window = cronspec.NewWindow(sched, loc, w.Duration)
	return w, true
}
