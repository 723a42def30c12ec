package plan

import (
	"fmt"
	"regexp"

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
