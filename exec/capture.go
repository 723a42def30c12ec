package exec

import (
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"

	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func (c *checker) capture() {
	caps := c.step.Captures
	if len(caps) == 0 {
		return
	}
	type saved struct {
		name string
		v    any
	}
	var got []saved
	scoped := false
	for i := range caps {
		cp := &caps[i]
		var v any
		var serr *record.StepError
		switch {
		case cp.Expression != nil:
			if !scoped {
				c.enterResponseScope()
				scoped = true
			}
			v, serr = c.captureExpression(cp)
		case cp.Header != "":
			v, serr = c.captureHeader(cp)
		default:
			v, serr = c.captureJSON(cp)
			if serr == nil {
				// A value of the response hides a secret of its name.
				c.s.setTainted(cp.Variable, false)
			}
		}
		if serr == nil {
			serr = c.checkCaptured(cp, v)
		}
		if serr != nil {
			c.stepError(serr)
			continue
		}
		if cp.Redact {
			// A secret from here on, and so is whatever is computed from it.
			c.s.addSecretValue(v)
			c.s.setTainted(cp.Variable, true)
		}
		got = append(got, saved{cp.Variable, v})
	}
	if scoped {
		c.leaveResponseScope()
	}
	if len(got) == 0 {
		return
	}
	c.res.Captures = make(map[string]any, len(got))
	for _, g := range got {
		c.s.env[g.name] = g.v
		c.res.Captures[g.name] = c.s.red.Value(g.v)
	}
}

// checkCaptured bounds what a capture keeps: no deeper than JSON is read,
// and no larger, written as JSON, than a response body may be. A JSONPath
// such as $..a on a deep document matches every level, each match holding
// the levels below it: shared in memory, but written out whole in every
// report and stored row.
func (c *checker) checkCaptured(cp *plan.Capture, v any) *record.StepError {
	// The size first: it stops at the bound, where the depth walks all.
	if limit := c.s.r.maxBody; jsonmatch.SizeOver(v, limit) {
		what := "the value takes"
		if list, ok := v.([]any); ok && cp.Expression == nil && cp.Header == "" {
			what = fmt.Sprintf("the %d values matched by %s take", len(list), cp.JSONPath)
		}
		return c.captureError(cp, "%s more than %s written as JSON, the most a capture may hold (the response body bound)", what, byteSize(limit))
	}
	if jsonmatch.TooDeep(v, jsonmatch.MaxDepth) {
		return c.captureError(cp, "the value nests deeper than %d levels, the most a capture may hold", jsonmatch.MaxDepth)
	}
	return nil
}

func (c *checker) captureError(cp *plan.Capture, format string, args ...any) *record.StepError {
	msg := fmt.Sprintf("%s: ", cp.Variable) + fmt.Sprintf(format, args...)
	return &record.StepError{Kind: record.ErrCapture, Message: c.s.red.Excerpt(msg, maxMessage)}
}

func (c *checker) captureJSON(cp *plan.Capture) (any, *record.StepError) {
	data, err := c.parseJSON()
	if err != nil {
		return nil, c.captureError(cp, "json_path %s: %v", cp.JSONPath, err)
	}
	if cp.Path == nil {
		return nil, c.captureError(cp, "json_path %q is not compiled", cp.JSONPath)
	}
	found := getPath(cp.Path, data)
	switch len(found) {
	case 0:
		return nil, c.captureError(cp, "json_path %s matched nothing", cp.JSONPath)
	case 1:
		return found[0], nil
	}
	return found, nil
}

func (c *checker) captureHeader(cp *plan.Capture) (any, *record.StepError) {
	vals := c.resp.Header.Values(cp.Header)
	if len(vals) == 0 {
		return nil, c.captureError(cp, "the response has no header %s", cp.Header)
	}
	v := strings.Join(vals, ", ")
	sensitive := isSensitive(cp.Header)
	if sensitive {
		c.s.addSecret(v)
	}
	c.s.setTainted(cp.Variable, sensitive)
	return v, nil
}

func (c *checker) captureExpression(cp *plan.Capture) (any, *record.StepError) {
	v, tainted, err := c.s.evalTainted(cp.Expression)
	// A capture computed from a secret is a secret too.
	c.s.setTainted(cp.Variable, tainted)
	if err != nil {
		if isUndefined(err) {
			return nil, c.s.interpolationError("capture "+cp.Variable, err)
		}
		return nil, c.captureError(cp, "expression %s failed: %v", cp.Expression, err)
	}
	if v == nil {
		return nil, c.captureError(cp, "expression %s gave nothing%s", cp.Expression, c.operands(cp.Expression.Names(), ": "))
	}
	return v, nil
}

// getPath is path.Get(data) for the paths most captures are, children and
// indexes down from the root ($.session.token, $.items[0].id), found
// without the stack ojg allocates on every Get; other paths go to Get.
func getPath(path jp.Expr, data any) []any {
	if len(path) == 0 {
		return path.Get(data)
	}
	if _, ok := path[0].(jp.Root); !ok {
		return path.Get(data)
	}
	v := data
	for _, f := range path[1:] {
		switch f := f.(type) {
		case jp.Child:
			m, ok := v.(map[string]any)
			if !ok {
				return path.Get(data)
			}
			if v, ok = m[string(f)]; !ok {
				return nil
			}
		case jp.Nth:
			l, ok := v.([]any)
			if !ok {
				return path.Get(data)
			}
			i := int(f)
			if i < 0 {
				i += len(l)
			}
			if i < 0 || i >= len(l) {
				return nil
			}
			v = l[i]
		default:
			return path.Get(data)
		}
	}
	return []any{v}
}
