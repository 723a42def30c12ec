package main

import (
	"flag"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/smokex/smokex/plan"
)

// selectFlags choose the plans run and serve load: --label, --plan and
// --exclude.
type selectFlags struct {
	labels  labelsFlag
	ids     namesList
	exclude namesList
}

func (s *selectFlags) define(fs *flag.FlagSet) {
	s.labels = labelsFlag{}
	fs.Var(&s.labels, "label", "only plans with the label `KEY=VALUE` (repeatable: plans must have every one)")
	fs.Var(&s.ids, "plan", "only the plan with this `ID` (repeatable: any of them)")
	fs.Var(&s.exclude, "exclude", "skip the files and directories whose name or path matches `GLOB` (repeatable), such as docker-compose.yml or 'drafts/*'")
}

// check reports a bad --exclude pattern.
func (s *selectFlags) check() error {
	for _, g := range s.exclude {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("--exclude %q: %v", g, err)
		}
	}
	return nil
}

// excluded tells whether the file or directory at p (slash- or
// OS-separated) matches an --exclude pattern: its base name, the whole
// path, or the path from any of its directories down.
func (s *selectFlags) excluded(p string) bool {
	if len(s.exclude) == 0 {
		return false
	}
	p = filepath.ToSlash(filepath.Clean(p))
	for _, g := range s.exclude {
		g = strings.TrimSuffix(filepath.ToSlash(g), "/")
		for rest := p; ; {
			if ok, _ := path.Match(g, rest); ok {
				return true
			}
			_, after, found := strings.Cut(rest, "/")
			if !found {
				break
			}
			rest = after
		}
	}
	return false
}

// parseOpts are the plan.ParseOpts that apply --exclude, nil without it.
func (s *selectFlags) parseOpts() *plan.ParseOpts {
	if len(s.exclude) == 0 {
		return nil
	}
	return &plan.ParseOpts{Exclude: s.excluded}
}

// keep tells whether p passes --label and --plan.
func (s *selectFlags) keep(p *plan.Plan) bool {
	if len(s.ids) > 0 && !slices.Contains(s.ids, p.ID) {
		return false
	}
	for k, v := range s.labels {
		if got, ok := p.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// active tells whether --label or --plan narrows the plans.
func (s *selectFlags) active() bool { return len(s.ids) > 0 || len(s.labels) > 0 }

// describe says what --label and --plan ask for, for the message when no
// plan is left.
func (s *selectFlags) describe() string {
	var parts []string
	for _, k := range sortedKeys(s.labels) {
		parts = append(parts, "--label "+k+"="+s.labels[k])
	}
	for _, id := range s.ids {
		parts = append(parts, "--plan "+id)
	}
	return strings.Join(parts, " ")
}

// suggestIDs says, for each --plan ID that names no plan of plans, the
// loaded plan ID closest to it: "; did you mean demo-login?", or "".
func (s *selectFlags) suggestIDs(plans []loadedPlan) string {
	ids := make([]string, 0, len(plans))
	for _, lp := range plans {
		ids = append(ids, lp.plan.ID)
	}
	var parts []string
	for _, id := range s.ids {
		if slices.Contains(ids, id) {
			continue
		}
		if near := plan.Suggest(id, ids); near != "" {
			parts = append(parts, "--plan "+near)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(parts, ", ") + "?"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// labelsFlag collects repeated --label KEY=VALUE flags.
type labelsFlag map[string]string

func (l labelsFlag) String() string {
	var parts []string
	for _, k := range sortedKeys(l) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

func (l labelsFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	l[k] = v
	return nil
}

// namesList collects a repeated flag's values in order.
type namesList []string

func (n *namesList) String() string {
	if n == nil {
		return ""
	}
	return strings.Join(*n, ",")
}

func (n *namesList) Set(s string) error {
	if s == "" {
		return fmt.Errorf("an empty value")
	}
	if !slices.Contains(*n, s) {
		*n = append(*n, s)
	}
	return nil
}
