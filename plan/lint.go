package plan

import (
	"fmt"
	"maps"
	"slices"
)

// Lint returns warnings about names that a plan's templates and
// expressions read and that nothing defines: no plan var, secret, capture
// of an earlier step, or name in known (the names the caller will pass,
// such as CLI --var names or environment variables). Inside assert and
// capture expressions the response names (see ResponseScope) are defined
// too, and LocationVar is everywhere. A plan with warnings still runs; the step that reads an undefined
// name fails when it runs.
func Lint(p *Plan, known []string) []*Error {
	l := &linter{file: p.File, seen: map[string]bool{}}
	// Every run has a location, "" when none.
	base := map[string]bool{LocationVar: true}
	for _, n := range known {
		base[n] = true
	}
	for n := range p.Vars {
		base[n] = true
	}
	for _, n := range p.Secrets {
		base[n] = true
	}
	for _, name := range slices.Sorted(maps.Keys(p.Vars)) {
		l.value(p.Vars[name], "var "+name, base)
	}
	l.options(p.Options, base)
	captured := maps.Clone(base)
	for i := range p.Steps {
		st := &p.Steps[i]
		l.template(st.URL, st.urlKey, captured)
		l.params(st.Query, "query", captured)
		l.params(st.Headers, "header", captured)
		l.params(st.Form, "form", captured)
		if st.Body != nil {
			l.value(st.Body, "body", captured)
		}
		l.options(st.Options, captured)
		e := st.Expect
		if e.Status != nil {
			l.template(e.Status.Expr, "status_code", captured)
		}
		for _, h := range e.Headers {
			what := fmt.Sprintf("expect header %q", h.Name)
			l.template(h.Value, what, captured)
			l.predicates(h.Predicates, what, captured)
		}
		for _, pe := range e.JSONPath {
			l.predicates(pe.Predicates, fmt.Sprintf("jsonpath %q", pe.Path), captured)
		}
		l.predicates(e.Text, "expect string", captured)
		l.predicates(e.BodySize, "body_size", captured)
		if e.JSON != nil {
			l.value(e.JSON, "expect json", captured)
		}
		l.template(e.String, "expect string", captured)
		for _, h := range e.HTML {
			l.template(h.Equal, "html equal", captured)
		}
		withResponse := maps.Clone(captured)
		for _, n := range responseScope {
			withResponse[n.Name] = true
		}
		for _, a := range e.Assert {
			l.names(a.Names(), a.Pos, "assert", withResponse)
		}
		for _, c := range st.Captures {
			if c.Expression != nil {
				l.names(c.Expression.Names(), c.Expression.Pos, "expression", withResponse)
			}
			if c.Variable != "" {
				withResponse[c.Variable] = true
			}
		}
		for _, c := range st.Captures {
			if c.Variable != "" {
				captured[c.Variable] = true
			}
		}
	}
	ErrorList(l.out).Sort()
	return l.out
}

type linter struct {
	file string
	out  []*Error
	seen map[string]bool
}

func (l *linter) names(names []string, at Pos, where string, defined map[string]bool) {
	for _, n := range names {
		if defined[n] {
			continue
		}
		key := fmt.Sprintf("%d:%d:%s", at.Line, at.Column, n)
		if l.seen[key] {
			continue
		}
		l.seen[key] = true
		msg := fmt.Sprintf("undefined name %q in %s: no var, secret, earlier capture or passed variable defines it", n, where)
		if s := Suggest(n, slices.Collect(maps.Keys(defined))); s != "" {
			msg = fmt.Sprintf("undefined name %q in %s; did you mean %q?", n, where, s)
		} else if isEnvName(n) {
			msg += fmt.Sprintf("; if it comes from the environment, its value shows unredacted in results: declare it under secrets: [%s] to redact it", n)
		}
		l.out = append(l.out, &Error{File: l.file, Line: at.Line, Column: at.Column, Message: msg})
	}
}

func (l *linter) template(t *Template, where string, defined map[string]bool) {
	if t != nil {
		l.names(t.Names(), t.Pos, where, defined)
	}
}

func (l *linter) value(v *Value, where string, defined map[string]bool) {
	v.walk(func(t *Template) { l.template(t, where, defined) })
}

func (l *linter) params(ps []Param, where string, defined map[string]bool) {
	for _, prm := range ps {
		for _, t := range prm.Values {
			l.template(t, fmt.Sprintf("%s %q", where, prm.Name), defined)
		}
	}
}

func (l *linter) options(o Options, defined map[string]bool) {
	l.template(o.Timeout.Expr, "timeout", defined)
	l.template(o.Retries.Expr, "retries", defined)
	l.template(o.FollowRedirects.Expr, "follow_redirects", defined)
	l.template(o.Insecure.Expr, "insecure", defined)
	l.template(o.Debug.Expr, "debug", defined)
	l.template(o.HaltOnError.Expr, "halt_on_error", defined)
	l.template(o.DegradedAfter.Expr, "degraded_after", defined)
	l.template(o.MaxDuration.Expr, "max_duration", defined)
}

func (l *linter) predicates(ps []Predicate, what string, defined map[string]bool) {
	for _, pr := range ps {
		if pr.Value != nil {
			l.value(pr.Value, what+" "+string(pr.Op), defined)
		}
		l.predicates(pr.Inner, what+" "+string(pr.Op), defined)
	}
}

// isEnvName tells whether n is written as environment variables are:
// upper-case letters, digits and '_'.
func isEnvName(n string) bool {
	upper := false
	for _, r := range n {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9', r == '_':
		default:
			return false
		}
	}
	return upper
}
