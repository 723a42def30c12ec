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
}
