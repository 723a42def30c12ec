package plangen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/smokex/smokex/plan"
)

// Plan is a generated plan, before it is written.
type Plan struct {
	// Name is the plan's name, id-safe.
	Name string
	// Comments are written at the top, one line each.
	Comments []string
	// Vars are plan variables, in order.
	Vars []Var
	// Secrets are the names the plan reads from its secret source, with
	// the values the source held (SecretValues), which are never written.
	Secrets      []string
	SecretValues map[string]string
	Steps        []Step
	// NotSent lists operations the plan leaves out, written as comments
	// after the steps: "POST /orders: writes".
	NotSent []string
}

// Var is a plan variable.
type Var struct {
	Name, Value string
}

// Step is a generated step. Its texts are literal: Write escapes ${.
// Templates (values that read a variable or a secret) go in the fields
// named so.
type Step struct {
	Name   string
	Method string
	URL    string
	// Headers in order; a Header's Template, when set, is written as is.
	Headers []StepHeader
	// Body is sent as is; JSONBody, when set, is JSON written as YAML flow
	// (a mapping or list, sent as JSON).
	Body            string
	JSONBody        json.RawMessage
	Insecure        bool
	FollowRedirects bool
	// Status is the expected status_code ("200", "2xx"); empty leaves the
	// default, any 2xx.
	Status string
	// Comment is written above the step.
	Comment string
}

// StepHeader is a header of a step: a literal Value or a Template.
type StepHeader struct {
	Name, Value, Template string
}

// Write writes p as a plan file, formatted as one written by hand:
// comments first, then name, vars, secrets and the steps.
func Write(w io.Writer, p *Plan) error {
	var b bytes.Buffer
	for _, c := range p.Comments {
		b.WriteString(comment(c, ""))
	}
	fmt.Fprintf(&b, "name: %s\n", p.Name)
	if len(p.Vars) > 0 {
		b.WriteString("vars:\n")
		for _, v := range p.Vars {
			fmt.Fprintf(&b, "  %s: %s\n", v.Name, literal(v.Value))
		}
	}
	if len(p.Secrets) > 0 {
		fmt.Fprintf(&b, "secrets: [%s]\n", strings.Join(p.Secrets, ", "))
	}
	b.WriteString("steps:\n")
	for _, s := range p.Steps {
		if s.Comment != "" {
			b.WriteString(comment(s.Comment, "  "))
		}
		fmt.Fprintf(&b, "  - %s:\n", strings.ToLower(s.Method))
		if s.Name != "" {
			fmt.Fprintf(&b, "      name: %s\n", literal(s.Name))
		}
		fmt.Fprintf(&b, "      url: %s\n", literal(s.URL))
		if len(s.Headers) > 0 {
			b.WriteString("      headers:\n")
			for _, h := range s.Headers {
				v := literal(h.Value)
				if h.Template != "" {
					v = strconv.Quote(h.Template)
				}
				fmt.Fprintf(&b, "        %s: %s\n", strings.ToLower(h.Name), v)
			}
		}
		switch {
		case len(s.JSONBody) > 0:
			var c bytes.Buffer
			if err := json.Compact(&c, s.JSONBody); err != nil {
				return fmt.Errorf("plangen: the JSON body of %s: %w", s.Name, err)
			}
			fmt.Fprintf(&b, "      body: %s\n", strings.ReplaceAll(c.String(), "${", "$${"))
		case s.Body != "":
			fmt.Fprintf(&b, "      body: %s\n", literal(s.Body))
		}
		var opts []string
		if s.Insecure {
			opts = append(opts, "insecure: true")
		}
		if s.FollowRedirects {
			opts = append(opts, "follow_redirects: true")
		}
		if len(opts) > 0 {
			fmt.Fprintf(&b, "      options: {%s}\n", strings.Join(opts, ", "))
		}
		if s.Status != "" {
			fmt.Fprintf(&b, "      expect:\n        status_code: %s\n", s.Status)
		}
	}
	if len(p.NotSent) > 0 {
		b.WriteString("\n# Not sent (a monitor must not change what it watches, or needs values\n# the source does not give):\n")
		for _, n := range p.NotSent {
			b.WriteString(comment(n, "#   "))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// comment writes text as comment lines after prefix.
func comment(text, indent string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(indent, "#") {
			b.WriteString(strings.TrimRight(indent+line, " ") + "\n")
			continue
		}
		b.WriteString(strings.TrimRight(indent+"# "+line, " ") + "\n")
	}
	return b.String()
}

// literal writes s as a YAML double-quoted string that the plan reads as
// the same text: ${ is escaped as $${.
func literal(s string) string {
	return strconv.Quote(strings.ReplaceAll(s, "${", "$${"))
}

// Name makes an id-safe plan name from a method and a URL:
// post-api-example-com-login.
func Name(method, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return plan.ID(method)
	}
	return plan.ID(strings.ToLower(method) + "-" + u.Hostname() + "-" + u.Path)
}
