package plan

import (
	"fmt"
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
// a folder, a sync or an editor loads them together: a plan that names a
// plan that is not among them is an error at the name, with the closest
// plan ID when one is close (`checkout: depends_on names unknown plan
// "gatway" (did you mean "gateway"?)`), and so is a plan on a cycle of
// dependencies, itself included, once for each plan of the cycle
// (`dependency cycle: a -> b -> a`). Plans without an ID are not checked.
// The errors are sorted by file and position.
func CheckDependencies(plans []*Plan) ErrorList {
	byID := make(map[string]*Plan, len(plans))
	ids := make([]string, 0, len(plans))
	for _, pl := range plans {
		if pl == nil || pl.ID == "" {
			continue
		}
		if _, dup := byID[pl.ID]; !dup {
			ids = append(ids, pl.ID)
		}
		byID[pl.ID] = pl
	}
	var errs ErrorList
	at := func(pl *Plan, i int, format string, args ...any) {
		e := &Error{File: pl.File, Message: fmt.Sprintf(format, args...)}
		if i < len(pl.dependsPos) {
			e.Line, e.Column = pl.dependsPos[i].Line, pl.dependsPos[i].Column
		}
		errs = append(errs, e)
	}
	for _, id := range ids {
		pl := byID[id]
		for i, dep := range pl.DependsOn {
			if _, ok := byID[dep]; ok || dep == id {
				continue
			}
			msg := fmt.Sprintf("%s: depends_on names unknown plan %q", id, dep)
			if s := Suggest(dep, ids); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			at(pl, i, "%s", msg)
		}
	}
	// Every plan of a cycle is on a strongly connected component of more
	// than one plan, or depends on itself.
	for _, comp := range components(ids, byID) {
		in := make(map[string]bool, len(comp))
		for _, id := range comp {
			in[id] = true
		}
		for _, id := range comp {
			cycle := shortestCycle(id, byID, in)
			if cycle == nil {
				continue // a plan alone that does not depend on itself
			}
			at(byID[id], slices.Index(byID[id].DependsOn, cycle[1]), "dependency cycle: %s", strings.Join(cycle, " -> "))
		}
	}
	errs.Sort()
	return errs
}

// components returns the strongly connected components of the plans'
// dependencies (Tarjan's algorithm), each in the order of ids.
func components(ids []string, byID map[string]*Plan) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var (
		stack []string
		out   [][]string
		visit func(id string)
	)
	visit = func(id string) {
		index[id] = len(index)
		low[id] = index[id]
		stack = append(stack, id)
		onStack[id] = true
		for _, dep := range byID[id].DependsOn {
			if _, ok := byID[dep]; !ok {
				continue
			}
			if _, seen := index[dep]; !seen {
				visit(dep)
				low[id] = min(low[id], low[dep])
			} else if onStack[dep] {
				low[id] = min(low[id], index[dep])
			}
		}
		if low[id] != index[id] {
			return
		}
		var comp []string
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			comp = append(comp, top)
			if top == id {
				break
			}
		}
		slices.SortFunc(comp, func(a, b string) int { return slices.Index(ids, a) - slices.Index(ids, b) })
		out = append(out, comp)
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			visit(id)
		}
	}
	return out
}

// shortestCycle returns the shortest cycle of dependencies from id back to
// itself through the plans of in, as a path that starts and ends with id,
// or nil when there is none.
func shortestCycle(id string, byID map[string]*Plan, in map[string]bool) []string {
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
			if _, seen := prev[dep]; seen || !in[dep] {
				continue
			}
			prev[dep] = cur
			queue = append(queue, dep)
		}
	}
	return nil
}
