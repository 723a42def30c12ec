package plangen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
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
	// Schedule, when set, is the plan's schedule: "@every 1m".
	Schedule string
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
	// URLTemplate, when set, is written as the URL as is: "${base}/pets/1".
	URLTemplate string
	// Query parameters in order, written as the step's query; a
	// parameter's Template, when set, is written as is.
	Query []StepHeader
	// Headers in order; a Header's Template, when set, is written as is.
	Headers []StepHeader
	// Body is sent as is; JSONBody, when set, is JSON written as YAML flow
	// (a mapping or list, sent as JSON).
	Body     string
	JSONBody json.RawMessage
	// BodyTemplate says that Body and the strings of JSONBody are
	// templates, written as they are: ${...} reads a variable.
	BodyTemplate    bool
	Insecure        bool
	FollowRedirects bool
	// Status is the expected status_code ("200", "2xx"); empty leaves the
	// default, any 2xx.
	Status string
	// ContentType, when set, is expected in the response's Content-Type.
	ContentType string
	// SchemaRef, when set, is the json_schema reference the body is
	// checked against ("openapi.yaml#/components/schemas/Pet"); Schema,
	// when set instead, is a JSON Schema written inline.
	SchemaRef string
	Schema    json.RawMessage
	// Captures save values of the JSON response for later steps.
	Captures []Capture
	// Comment is written above the step.
	Comment string
}

// StepHeader is a header (or a query parameter) of a step: a literal
// Value or a Template.
type StepHeader struct {
	Name, Value, Template string
}

// Capture saves the value at JSONPath of the response's JSON body in the
// variable Variable.
type Capture struct {
	Variable, JSONPath string
}

// Write writes p as a plan file, formatted as one written by hand:
// comments first, then name, vars, secrets and the steps.
func Write(w io.Writer, p *Plan) error {
	var b bytes.Buffer
	for _, c := range p.Comments {
		b.WriteString(comment(c, ""))
	}
	fmt.Fprintf(&b, "name: %s\n", p.Name)
	if p.Schedule != "" {
		fmt.Fprintf(&b, "schedule: %s\n", strconv.Quote(p.Schedule))
	}
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
		if s.URLTemplate != "" {
			fmt.Fprintf(&b, "      url: %s\n", strconv.Quote(s.URLTemplate))
		} else {
			fmt.Fprintf(&b, "      url: %s\n", literal(s.URL))
		}
		if err := fields(&b, "query", s.Query, false); err != nil {
			return err
		}
		if err := fields(&b, "headers", s.Headers, true); err != nil {
			return err
		}
		jsonBody := len(s.JSONBody) > 0
		if jsonBody && longKey(s.JSONBody) {
			// A YAML key is at most 1024 characters: send the JSON as text.
			var c bytes.Buffer
			if err := json.Compact(&c, s.JSONBody); err != nil {
				return fmt.Errorf("plangen: the JSON body of %s: %w", s.Name, err)
			}
			s.Body, jsonBody = c.String(), false
		}
		switch {
		case jsonBody:
			var c bytes.Buffer
			if err := json.Compact(&c, s.JSONBody); err != nil {
				return fmt.Errorf("plangen: the JSON body of %s: %w", s.Name, err)
			}
			body := yamlSafeJSON(c.String())
			if !s.BodyTemplate {
				body = strings.ReplaceAll(body, "${", "$${")
			}
			fmt.Fprintf(&b, "      body: %s\n", body)
		case s.Body != "" && s.BodyTemplate:
			fmt.Fprintf(&b, "      body: %s\n", strconv.Quote(s.Body))
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
		if err := expect(&b, &s); err != nil {
			return err
		}
		if len(s.Captures) > 0 {
			b.WriteString("      save_from_response:\n")
			for _, c := range s.Captures {
				fmt.Fprintf(&b, "        - variable_name: %s\n          json_path: %s\n", c.Variable, literal(c.JSONPath))
			}
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

// MaxFieldName is the longest name of a header or a query parameter a
// generated step sends: a YAML key is at most 1024 characters.
const MaxFieldName = 256

// fields writes a step's query or headers, one per line; of several of one
// name (headers: in any case), the last is written.
func fields(b *bytes.Buffer, key string, fs []StepHeader, lower bool) error {
	if len(fs) == 0 {
		return nil
	}
	last := map[string]int{}
	for i, f := range fs {
		name := f.Name
		if lower {
			name = strings.ToLower(name)
		}
		last[name] = i
	}
	var kept []StepHeader
	for i, f := range fs {
		name := f.Name
		if lower {
			name = strings.ToLower(name)
		}
		if last[name] == i {
			kept = append(kept, f)
		}
	}
	fs = kept
	fmt.Fprintf(b, "      %s:\n", key)
	for _, f := range fs {
		v := literal(f.Value)
		if f.Template != "" {
			v = strconv.Quote(f.Template)
		}
		name := f.Name
		if len(name) > MaxFieldName {
			return fmt.Errorf("plangen: a %s name is longer than %d bytes", key, MaxFieldName)
		}
		if lower {
			name = strings.ToLower(name)
		}
		fmt.Fprintf(b, "        %s: %s\n", yamlKey(name), v)
	}
	return nil
}

// expect writes a step's expect block, if it has one.
func expect(b *bytes.Buffer, s *Step) error {
	if s.Status == "" && s.ContentType == "" && s.SchemaRef == "" && len(s.Schema) == 0 {
		return nil
	}
	b.WriteString("      expect:\n")
	if s.Status != "" {
		if !statusCode().MatchString(s.Status) {
			return fmt.Errorf("plangen: the expected status of %s, %q, is not a code from 100 to 599 or a class like 2xx", s.Name, s.Status)
		}
		fmt.Fprintf(b, "        status_code: %s\n", s.Status)
	}
	if s.ContentType != "" {
		fmt.Fprintf(b, "        headers:\n          content-type: {contains: %s}\n", strconv.Quote(s.ContentType))
	}
	switch {
	case s.SchemaRef != "":
		fmt.Fprintf(b, "        json_schema: {$ref: %s}\n", strconv.Quote(s.SchemaRef))
	case len(s.Schema) > 0:
		y, err := yamlBlock(s.Schema, "          ")
		if err != nil {
			return fmt.Errorf("plangen: the schema of %s: %w", s.Name, err)
		}
		b.WriteString("        json_schema:\n" + y)
	}
	return nil
}

// comment writes text as comment lines after prefix.
func comment(text, indent string) string {
	var b strings.Builder
	text = strings.Map(func(r rune) rune {
		// What YAML reads as a line break or refuses in a comment.
		if r != '\n' && r != '\t' && (r < 0x20 || 0x7f <= r && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
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
		return planID(method)
	}
	return planID(strings.ToLower(method) + "-" + u.Hostname() + "-" + u.Path)
}

// planID is plan.ID(name), cut to plan.MaxIDLength bytes.
func planID(name string) string {
	id := plan.ID(name)
	if len(id) > plan.MaxIDLength {
		id = strings.TrimRight(id[:plan.MaxIDLength], "-._")
	}
	return id
}

// longKey reports whether a JSON value holds an object key longer than
// MaxFieldName bytes.
func longKey(raw json.RawMessage) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	var objects []bool // for each open bracket, whether it is an object
	inObject := func() bool { return len(objects) > 0 && objects[len(objects)-1] }
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				objects = append(objects, t == '{')
				expectKey = t == '{'
			} else {
				objects = objects[:len(objects)-1]
				expectKey = inObject()
			}
		case string:
			if expectKey {
				if len(t) > MaxFieldName {
					return true
				}
				expectKey = false
				continue
			}
			expectKey = inObject()
		default:
			expectKey = inObject()
		}
	}
}

// yamlSafeJSON escapes the characters that JSON leaves as they are in its
// strings and YAML refuses or reads as line breaks: DEL, the C1 controls,
// U+2028, U+2029 and the byte order mark.
func yamlSafeJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == 0x7f || 0x80 <= r && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// credentialHeaders are the headers, besides Authorization and Cookie,
// whose name says they carry a credential, lower case.
var credentialHeaders = []string{"proxy-authorization", "x-api-key", "api-key", "apikey", "x-auth-token", "x-access-token", "private-token"}

// credentialSecret is the secret a header of credentialHeaders is sent
// from, named after it (X-API-Key: X_API_KEY); false for the others.
func credentialSecret(header string) (string, bool) {
	if !slices.Contains(credentialHeaders, strings.ToLower(header)) {
		return "", false
	}
	return strings.ToUpper(strings.ReplaceAll(header, "-", "_")), true
}

// credentialQueryKeys are, besides the names of secretField, the query
// parameters whose name says they carry a credential, lower case.
var credentialQueryKeys = []string{"api-key", "key", "access_token", "auth_token", "token", "private_token"}

// credentialQuery replaces, in query as a plan's URL writes it (its ${
// escaped as $${), the value of each parameter named as a credential
// (secretField, credentialQueryKeys) by
// ${NAME}, NAME being what secret(NAME, value) returns for the name
// made of the parameter's (api_key: API_KEY). A value holding a $ (a
// template, or an escaped ${) is left as it is.
func credentialQuery(query string, secret func(name, value string) string) string {
	parts := strings.Split(query, "&")
	for i, kv := range parts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" || strings.Contains(v, "$") || !secretField().MatchString(k) && !slices.Contains(credentialQueryKeys, strings.ToLower(k)) {
			continue
		}
		parts[i] = k + "=${" + secret(strings.ToUpper(strings.ReplaceAll(k, "-", "_")), v) + "}"
	}
	return strings.Join(parts, "&")
}
