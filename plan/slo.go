package plan

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// sloKeys are the keys of a plan's slo.
const sloKeys = "target window"

// Bounds of an SLO's window.
const (
	// DefaultSLOWindow is the window of an slo that names none: 30 days.
	DefaultSLOWindow = 30 * 24 * time.Hour
	// MinSLOWindow is the shortest window: the burn-rate rule's longest
	// window is 6 hours, and a budget over less than a day is noise.
	MinSLOWindow = 24 * time.Hour
	// MaxSLOWindow is the longest window: 90 days, as far as the daily
	// uptime goes back.
	MaxSLOWindow = 90 * 24 * time.Hour
)

// SLO is a plan's service level objective (key slo): the share of its
// executions that must be up (passed or degraded) over a rolling window.
// Its error budget is the rest: at 99.9% over 30 days, 43.2 minutes.
//
//	slo: {target: 99.9%, window: 30d}
type SLO struct {
	// Target is the share that must be up, above 0 and below 1: 99.9% is
	// 0.999.
	Target float64
	// Window is the rolling window the target holds over, from
	// MinSLOWindow to MaxSLOWindow. Defaults to DefaultSLOWindow.
	Window time.Duration
	// Pos is where the slo is written.
	Pos Pos
}

// slo reads the slo key.
func (p *parser) slo(n *yaml.Node) *SLO {
	n, ok := p.section(n, yaml.MappingNode, "slo must be a mapping of target and window, as in {target: 99.9%, window: 30d}")
	if !ok {
		return nil
	}
	out := &SLO{Window: DefaultSLOWindow, Pos: pos(n)}
	before := len(p.errs)
	targetSeen := false
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "target":
			targetSeen = true
			out.Target = p.sloTarget(kv.value)
		case "window":
			if d, ok := p.duration(kv.value, "slo window"); ok {
				if d < MinSLOWindow || d > MaxSLOWindow {
					p.errorAt(kv.value, "slo window must be from 1d to 90d, got %s", kv.value.Value)
				}
				out.Window = d
			}
		default:
			p.unknownKey(kv, "slo", sloKeys)
		}
	}
	if !targetSeen && len(p.errs) == before {
		p.errorAt(n, "slo needs target, the share of executions that must be up (99.9%%)")
	}
	if len(p.errs) != before {
		return nil
	}
	return out
}

// sloTarget reads a target: a percentage above 0% and below 100%.
func (p *parser) sloTarget(n *yaml.Node) float64 {
	n = resolve(n)
	text := strings.TrimSpace(n.Value)
	num, percent := strings.CutSuffix(text, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case n.Kind != yaml.ScalarNode || isNull(n) || err != nil || math.IsNaN(v):
		p.errorAt(n, "slo target must be a percentage like 99.9%%, got %s", describe(n))
	case !percent && v > 0 && v < 1:
		p.errorAt(n, "slo target must be a percentage: %s is %s%%", text, strconv.FormatFloat(v*100, 'f', -1, 64))
	case !percent:
		p.errorAt(n, "slo target must be a percentage: write %s%%", text)
	case v <= 0 || v >= 100:
		p.errorAt(n, "slo target must be above 0%% and below 100%% (100%% leaves no error budget), got %s", text)
	default:
		// 99.9 / 100 is 0.9990000000000001 in floating point.
		return math.Round(v*1e10) / 1e12
	}
	return 0
}
