package admin

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/plan"
)

// StatusPage is a public status page: the plans of its groups by name,
// their state, 90 days of daily uptime and the incidents that name them,
// served at /s/<Slug> (HTML), /s/<Slug>.json and /s/<Slug>/feed.atom
// without authorization (see IsPublicPath). A page never shows a plan's
// URL, steps, bodies, headers or errors: only its name (its ID when it has
// none).
type StatusPage struct {
	// Slug is the page's name in its URL: lower-case letters, digits and
	// '-', starting with a letter or digit, at most 64.
	Slug string `yaml:"slug" json:"slug"`
	// Title heads the page. Defaults to the slug.
	Title string `yaml:"title" json:"title"`
	// Description is shown under the title.
	Description string `yaml:"description" json:"description,omitempty"`
	// Groups list the page's plans, in order; at least one.
	Groups []StatusGroup `yaml:"groups" json:"groups"`
}

// StatusGroup is a named group of plans on a status page: the plans named
// by ID, or the plans that carry every one of Labels (one of the two).
type StatusGroup struct {
	// Name heads the group on the page.
	Name string `yaml:"name" json:"name"`
	// Plans are the IDs of the group's plans, in the page's order.
	Plans []string `yaml:"plans" json:"plans,omitempty"`
	// Labels select the plans that carry every one of them, ordered
	// by ID.
	Labels map[string]string `yaml:"labels" json:"labels,omitempty"`
}

// slugPattern is what a status page's slug may be, compiled on first use:
// its bounded repetition compiles to 63 copies, work that no command but
// serve with status pages needs.
var slugPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`) })

// ParseStatusPages reads a YAML list of status pages, as smokex serve
// --status-pages reads its file:
//
//   - slug: public
//     title: Acme API
//     description: Live status of the Acme public API
//     groups:
//   - name: API
//     plans: [checkout, login]
//   - name: Website
//     labels: {public: "true"}
//
// Unknown keys, a missing or repeated slug, a group without a name or
// with both or neither of plans and labels are errors naming the line.
// Whether the plans exist is for CheckStatusPages.
func ParseStatusPages(data []byte) ([]StatusPage, error) {
	list, err := yamlList(data, "status pages", "pages, each with a slug and groups (- slug: ...)")
	if err != nil {
		return nil, err
	}
	if len(list.Content) == 0 {
		return nil, fmt.Errorf("status pages: line %d: the list has no pages", list.Line)
	}
	var pages []StatusPage
	var errs []error
	seen := map[string]int{}
	for _, item := range list.Content {
		var p StatusPage
		if err := checkKeys(item, "page", "slug", "title", "description", "groups"); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := item.Decode(&p); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", item.Line, err))
			continue
		}
		if groups := field(item, "groups"); groups != nil && groups.Kind == yaml.SequenceNode {
			for _, g := range groups.Content {
				if err := checkKeys(g, "group", "name", "plans", "labels"); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if line, dup := seen[p.Slug]; dup && p.Slug != "" {
			errs = append(errs, fmt.Errorf("line %d: status page %q: the slug is taken by the page at line %d", item.Line, p.Slug, line))
			continue
		}
		seen[p.Slug] = item.Line
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", item.Line, err))
			continue
		}
		pages = append(pages, p)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("status pages: %w", err)
	}
	return pages, nil
}

// checkKeys returns an error naming the line of a key of the mapping n
// that is not one of known.
func checkKeys(n *yaml.Node, what string, known ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a %s is a mapping of %s", n.Line, what, strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("line %d, column %d: unknown key %q in a %s", k.Line, k.Column, k.Value, what)
			if s := plan.Suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return errors.New(msg)
		}
	}
	return nil
}

// field returns the value of key in the mapping n, nil when absent.
func field(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// validate checks what a page says of itself.
func (p *StatusPage) validate() error {
	if !slugPattern().MatchString(p.Slug) {
		return fmt.Errorf("status page slug %q: want lower-case letters, digits and '-', starting with a letter or digit, at most 64", p.Slug)
	}
	if len(p.Groups) == 0 {
		return fmt.Errorf("status page %q has no groups: give groups, each with a name and plans or labels", p.Slug)
	}
	for i, g := range p.Groups {
		switch {
		case strings.TrimSpace(g.Name) == "":
			return fmt.Errorf("status page %q: group %d has no name", p.Slug, i+1)
		case len(g.Plans) > 0 && len(g.Labels) > 0:
			return fmt.Errorf("status page %q, group %q: give plans or labels, not both", p.Slug, g.Name)
		case len(g.Plans) == 0 && len(g.Labels) == 0:
			return fmt.Errorf("status page %q, group %q is empty: give it plans (by ID) or labels", p.Slug, g.Name)
		}
	}
	return nil
}

// CheckStatusPages checks pages against the plans a handler serves: a
// page that does not validate, a group that names a plan no plan has the
// ID of, or whose labels select no plan, is an error naming the page and
// the group (all of them, joined). smokex serve calls it at start, once
// the plans have loaded; New does not, since plans may come later.
func CheckStatusPages(pages []StatusPage, plans []*plan.Plan) error {
	ids := make([]string, len(plans))
	for i, p := range plans {
		ids[i] = p.ID
	}
	var errs []error
	seen := map[string]bool{}
	for _, pg := range pages {
		if err := pg.validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[pg.Slug] {
			errs = append(errs, fmt.Errorf("status page %q is given twice", pg.Slug))
		}
		seen[pg.Slug] = true
		for _, g := range pg.Groups {
			for _, id := range g.Plans {
				if !slices.Contains(ids, id) {
					msg := fmt.Sprintf("status page %q, group %q: no plan has the id %s", pg.Slug, g.Name, strconv.Quote(id))
					if s := plan.Suggest(id, ids); s != "" {
						msg += fmt.Sprintf("; did you mean %q?", s)
					}
					errs = append(errs, errors.New(msg))
				}
			}
			if len(g.Labels) > 0 && len(g.resolve(plans)) == 0 {
				errs = append(errs, fmt.Errorf("status page %q, group %q is empty: no plan has the labels %s", pg.Slug, g.Name, formatLabels(g.Labels)))
			}
		}
	}
	return errors.Join(errs...)
}

// resolve returns the group's plans among plans: those it names, in its
// order, or those with its labels, in the order of plans.
func (g *StatusGroup) resolve(plans []*plan.Plan) []*plan.Plan {
	var out []*plan.Plan
	if len(g.Plans) > 0 {
		for _, id := range g.Plans {
			if i := slices.IndexFunc(plans, func(p *plan.Plan) bool { return p.ID == id }); i >= 0 {
				out = append(out, plans[i])
			}
		}
		return out
	}
	for _, p := range plans {
		if hasEvery(p.Labels, g.Labels) {
			out = append(out, p)
		}
	}
	return out
}

// hasEvery reports whether have carries every label of want.
func hasEvery(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// formatLabels writes labels as {k: v, ...}, sorted.
func formatLabels(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+": "+strconv.Quote(labels[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// yamlList reads data as a YAML document that is a list, of what entries
// says, and returns the list's node; what names the file in the errors.
func yamlList(data []byte, what, entries string) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty: it lists %s", what, entries)
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: line %d: the file must be a list of %s", what, list.Line, entries)
	}
	return list, nil
}
