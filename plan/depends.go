package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// dependsOn parses depends_on: a list of plan names, each turned into the
// plan's ID as a name is (ID), with where each is written.
func (p *parser) dependsOn(n *yaml.Node) ([]string, []Pos) {
	n, ok := p.section(n, yaml.SequenceNode, "depends_on must be a list of plan names")
	if !ok {
		return nil, nil
	}
	var (
		ids  []string
		poss []Pos
	)
	seen := map[string]bool{}
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			p.errorAt(item, "depends_on must be a list of plan names, got a list holding %s", describe(item))
			continue
		}
		id := ID(item.Value)
		switch {
		case id == "":
			p.errorAt(item, "depends_on: %q has no letter or digit to make a plan id from", item.Value)
			continue
		case len(id) > MaxIDLength:
			p.errorAt(item, "depends_on: %.40q... makes an id of %d bytes, over the limit of %d", item.Value, len(id), MaxIDLength)
			continue
		case seen[id]:
			p.errorAt(item, "depends_on names plan %q twice", id)
			continue
		}
		seen[id] = true
		ids = append(ids, id)
		poss = append(poss, pos(item))
	}
	return ids, poss
}

// CheckDependencies checks the depends_on of plans against each other, as
// a folder, a sync or an editor loads them together: it returns the
// DependencyErrors of every plan, sorted by file and position. Plans
// without an ID are not checked.
func CheckDependencies(plans []*Plan) ErrorList {
	byID := indexPlans(plans)
	var errs ErrorList
	for _, pl := range plans {
		if pl != nil && pl.ID != "" && byID[pl.ID] == pl {
			errs = append(errs, dependencyErrors(pl, byID)...)
		}
	}
	errs.Sort()
	return errs
}

// DependencyErrors checks p's depends_on against plans, among which p
// replaces the plan with its ID: a plan that is not among them is an
// error at the name, with the closest plan ID when one is close
// (`checkout: depends_on names unknown plan "gatway" (did you mean
// "gateway"?)`), and so is a cycle of dependencies through p, p itself
// included (`dependency cycle: a -> b -> a`), at the name that begins it.
func (p *Plan) DependencyErrors(plans []*Plan) ErrorList {
	byID := indexPlans(plans)
	byID[p.ID] = p
	return dependencyErrors(p, byID)
}

// indexPlans returns the plans with an ID by ID, the last of an ID kept.
func indexPlans(plans []*Plan) map[string]*Plan {
	byID := make(map[string]*Plan, len(plans))
	for _, pl := range plans {
		if pl != nil && pl.ID != "" {
			byID[pl.ID] = pl
		}
	}
	return byID
}

func dependencyErrors(p *Plan, byID map[string]*Plan) ErrorList {
	var errs ErrorList
	at := func(i int, format string, args ...any) {
		e := &Error{File: p.File, Message: fmt.Sprintf(format, args...)}
		if i >= 0 && i < len(p.dependsPos) {
			e.Line, e.Column = p.dependsPos[i].Line, p.dependsPos[i].Column
		}
		errs = append(errs, e)
	}
	var ids []string
	for i, dep := range p.DependsOn {
		if _, ok := byID[dep]; ok {
			continue
		}
		if ids == nil {
			// A plan's own ID is no suggestion: it cannot depend on itself.
			ids = slices.DeleteFunc(slices.Sorted(maps.Keys(byID)), func(id string) bool { return id == p.ID })
		}
		msg := fmt.Sprintf("%s: depends_on names unknown plan %q", p.ID, dep)
		if s := Suggest(dep, ids); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		at(i, "%s", msg)
	}
	if cycle := shortestCycle(p.ID, byID); cycle != nil {
		at(slices.Index(p.DependsOn, cycle[1]), "dependency cycle: %s", strings.Join(cycle, " -> "))
	}
	return errs
}

// shortestCycle returns the shortest cycle of dependencies from id back to
// itself, as a path that starts and ends with id, or nil when there is
// none.
func shortestCycle(id string, byID map[string]*Plan) []string {
	prev := map[string]string{}
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, dep := range byID[cur].DependsOn {
			if dep == id {
				path := []string{id}
				for at := cur; at != id; at = prev[at] {
					path = append(path, at)
				}
				slices.Reverse(path[1:])
				return append(path, id)
			}
			if _, seen := prev[dep]; seen || byID[dep] == nil {
				continue
			}
			prev[dep] = cur
			queue = append(queue, dep)
		}
	}
	return nil
}
