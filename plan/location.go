package plan

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LocationVar is the variable that holds, in a run's expressions, the
// location the run is made from ("" when none): a plan's URL may say
// "${base}/health?from=${location}".
const LocationVar = "location"

// MaxLocationLength is the longest location name, in bytes.
const MaxLocationLength = 32

var locationRE = regexp.MustCompile(`^[a-z0-9]+(?:[_-][a-z0-9]+)*$`)

// CheckLocation returns an error saying what is wrong with a location
// name: lower-case letters and digits, words joined by '-' or '_'
// ("eu-west", "us_east_1"), at most MaxLocationLength bytes. A
// location's ticks go through a job queue named after it.
func CheckLocation(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a location name must not be empty")
	case len(name) > MaxLocationLength:
		return fmt.Errorf("location %.40q is %d bytes, over the limit of %d", name, len(name), MaxLocationLength)
	case !locationRE.MatchString(name):
		return fmt.Errorf("location %q: want lower-case letters and digits, words joined by '-' or '_' (eu-west, us_east_1)", name)
	}
	return nil
}

// locations parses the key locations: a list of location names, each
// once.
func (p *parser) locations(n *yaml.Node) []string {
	n, ok := p.section(n, yaml.SequenceNode, "locations must be a list of location names (locations: [eu-west, us-east])")
	if !ok {
		return nil
	}
	if len(n.Content) == 0 {
		p.errorAt(n, "locations must name at least one location; leave the key out to run once, anywhere")
		return nil
	}
	return p.names(n, "locations must be a list of location names", "location", func(item *yaml.Node) bool {
		if err := CheckLocation(item.Value); err != nil {
			p.errorAt(item, "%v", err)
			return false
		}
		return true
	})
}

// Alerts are the plan's own alert rules (key alerts), which win over the
// alert policy's.
type Alerts struct {
	// MinFailingLocations is how many of the plan's locations must have
	// failed their latest tick for the plan to be failing (key
	// min_failing_locations); 0 leaves it to the alert policy (its
	// default is 1). At most the number of locations.
	MinFailingLocations int
}

// alertsKeys are the keys of alerts.
const alertsKeys = "min_failing_locations"

// alerts parses the key alerts; locations are the plan's, for the check
// of min_failing_locations, which the caller makes once both are read.
func (p *parser) alerts(n *yaml.Node) (Alerts, Pos) {
	var a Alerts
	n, ok := p.section(n, yaml.MappingNode, "alerts must be a mapping (alerts: {min_failing_locations: 2})")
	if !ok {
		return a, Pos{}
	}
	var at Pos
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "min_failing_locations":
			v := resolve(kv.value)
			m, err := strconv.Atoi(strings.TrimSpace(v.Value))
			if v.Kind != yaml.ScalarNode || isNull(v) || err != nil || m < 1 {
				p.errorAt(v, "min_failing_locations must be a whole number of locations, 1 or more, got %s", describe(v))
				continue
			}
			a.MinFailingLocations, at = m, pos(v)
		default:
			p.unknownKey(kv, "alerts", alertsKeys)
		}
	}
	return a, at
}

// checkAlerts checks the plan's alerts against its locations.
func (p *parser) checkAlerts(pl *Plan, at Pos) {
	switch m := pl.Alerts.MinFailingLocations; {
	case m == 0:
	case len(pl.Locations) == 0:
		p.errorf(at, "min_failing_locations needs the plan's locations (locations: [eu-west, us-east])")
	case m > len(pl.Locations):
		p.errorf(at, "min_failing_locations is %d, more than the plan's %d locations", m, len(pl.Locations))
	}
}
