package record

// PlanRef names the plan an execution belongs to: what a hook, a notifier
// or a metrics adapter needs of it without the parsed plan. It is built
// once when the plan is loaded and must not be modified.
type PlanRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Labels are the plan's labels: metric tags, alert routes, dashboard
	// filters.
	Labels map[string]string `json:"labels,omitempty"`
	// DependsOn are the IDs of the plans the plan depends on (its
	// depends_on): the alert policy holds back its failing alert while one
	// of them is failing.
	DependsOn []string `json:"depends_on,omitempty"`
	// SLO is the plan's service level objective, nil when it states none.
	SLO *SLO `json:"slo,omitempty"`
	// Locations are the locations each tick of the plan runs in (its
	// locations), nil when it runs once, anywhere.
	Locations []string `json:"locations,omitempty"`
	// MinFailingLocations is the plan's alerts.min_failing_locations: how
	// many of its locations must have failed their latest tick for the
	// plan to be failing; 0 when the plan leaves it to the alert policy.
	MinFailingLocations int `json:"min_failing_locations,omitempty"`
}

// LocationQuorum applies the rule of a plan with locations: failed holds
// the outcome of each location's latest judged execution (true: failed;
// a location absent has none yet), quorum how many failed locations make the
// plan down (MinFailingLocations, or the policy's; at least 1, at most
// the number of Locations). It returns the failing and the passing
// locations, in the order of Locations, and whether the plan is down.
func (p *PlanRef) LocationQuorum(failed map[string]bool, quorum int) (failing, passing []string, down bool) {
	for _, loc := range p.Locations {
		f, ok := failed[loc]
		switch {
		case !ok:
		case f:
			failing = append(failing, loc)
		default:
			passing = append(passing, loc)
		}
	}
	quorum = max(1, quorum)
	if len(p.Locations) > 0 {
		quorum = min(quorum, len(p.Locations))
	}
	return failing, passing, len(failing) >= quorum
}
