package plangen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/net/http/httpguts"

	"github.com/smokex/smokex/plan"
)

// OpenAPIOpts configures FromOpenAPI. A nil *OpenAPIOpts is the zero
// value.
type OpenAPIOpts struct {
	// BaseURL replaces the document's server URL, path included:
	// "http://localhost:8080/v1". Defaults to the first of the document's
	// servers, its variables at their defaults.
	BaseURL string
	// Location is the URL the document was read from, against which a
	// relative server URL ("/v1") is resolved. Defaults to nil: a relative
	// server URL needs BaseURL.
	Location *url.URL
	// SchemaFile is the document's path from the directory the plans are
	// written to ("openapi.yaml"), so that json_schema refers to the
	// document's schemas ({$ref: "openapi.yaml#/components/schemas/Pet"}).
	// A schema that is not a JSON Schema as it stands (OpenAPI 3.0's
	// nullable, a boolean exclusiveMinimum) is written inline all the same,
	// converted. Defaults to "": every schema is written inline.
	SchemaFile string
	// Source names the document in the plans' comments. Defaults to
	// "the OpenAPI document".
	Source string
}

// FromOpenAPI turns an OpenAPI 3 document (YAML or JSON) into plans: one
// per tag, or per first path segment for the operations without one, with
// a step per GET operation whose required parameters all have an example
// or a default. A step expects the success status the document declares,
// its content type and, for JSON, the body valid against the response's
// schema. Operations a monitor must not send (writes) or cannot (a
// required parameter without a value) are listed as comments, never as
// steps. Credentials the document's security schemes ask for become
// secrets. References to other files are refused: nothing but doc is read.
func FromOpenAPI(doc []byte, opts *OpenAPIOpts) ([]*Plan, error) {
	var o OpenAPIOpts
	if opts != nil {
		o = *opts
	}
	if o.Source == "" {
		o.Source = "the OpenAPI document"
	}
	loader := openapi3.NewLoader()
	loader.Context = context.Background()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("plangen: %s is not an OpenAPI document: %w", o.Source, err)
	}
	if !strings.HasPrefix(t.OpenAPI, "3.") {
		return nil, fmt.Errorf("plangen: %s is not an OpenAPI 3 document (openapi: %q); convert a Swagger 2.0 document to OpenAPI 3 first", o.Source, t.OpenAPI)
	}
	base, err := baseURL(t, &o)
	if err != nil {
		return nil, err
	}
	g := &openapiGen{t: t, o: &o, v31: strings.HasPrefix(t.OpenAPI, "3.1"), plans: map[string]*Plan{}, names: map[string]bool{}}
	paths := t.Paths.Keys()
	sort.Strings(paths)
	for _, path := range paths {
		item := t.Paths.Value(path)
		if item == nil || !strings.HasPrefix(path, "/") {
			continue
		}
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodTrace} {
			if op := item.GetOperation(method); op != nil {
				g.operation(path, method, item, op)
			}
		}
	}
	var out []*Plan
	var orphans []string
	for _, name := range g.order {
		p := g.plans[name]
		if len(p.Steps) == 0 {
			orphans = append(orphans, p.NotSent...)
			continue
		}
		p.Vars = []Var{{Name: "base", Value: base}}
		if len(p.Secrets) > 0 {
			p.Comments = append(p.Comments, "The API's credentials are secrets, read from the environment when it runs: "+strings.Join(p.Secrets, ", ")+".")
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		if len(orphans) == 0 {
			return nil, fmt.Errorf("plangen: %s has no operations", o.Source)
		}
		return nil, fmt.Errorf("plangen: %s has no GET operation a plan can call:\n  %s", o.Source, strings.Join(orphans, "\n  "))
	}
	out[0].NotSent = append(out[0].NotSent, orphans...)
	return out, nil
}

// baseURL returns the URL the steps start with, without a final slash.
func baseURL(t *openapi3.T, o *OpenAPIOpts) (string, error) {
	raw := o.BaseURL
	if raw == "" {
		if len(t.Servers) == 0 || t.Servers[0] == nil || t.Servers[0].URL == "" {
			return "", fmt.Errorf("plangen: %s names no server (servers:); give the API's URL (--base-url)", o.Source)
		}
		s := t.Servers[0]
		raw = s.URL
		for name, v := range s.Variables {
			if v != nil {
				raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
			}
		}
	}
	u, err := url.Parse(raw)
	if err == nil && !u.IsAbs() && o.BaseURL == "" && o.Location != nil {
		u = o.Location.ResolveReference(u)
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("plangen: the server URL %q: %w", raw, err)
	case !u.IsAbs():
		return "", fmt.Errorf("plangen: the server URL %q is relative; give the API's URL (--base-url)", raw)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return "", fmt.Errorf("plangen: the server URL %q is not an http or https URL", raw)
	case strings.Contains(raw, "{"):
		return "", fmt.Errorf("plangen: the server URL %q has a variable without a default; give the API's URL (--base-url)", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// openapiGen gathers the plans of a document, by group.
type openapiGen struct {
	t     *openapi3.T
	o     *OpenAPIOpts
	v31   bool
	plans map[string]*Plan
	order []string
	// names are the plan names given, each once.
	names map[string]bool
}

// planFor returns the plan of an operation's group: its first tag, or the
// first segment of its path.
func (g *openapiGen) planFor(path string, op *openapi3.Operation) *Plan {
	group := ""
	if len(op.Tags) > 0 {
		group = op.Tags[0]
	} else {
		for seg := range strings.SplitSeq(path, "/") {
			if seg != "" && !strings.HasPrefix(seg, "{") {
				group = seg
				break
			}
		}
	}
	if plan.ID(group) == "" {
		group = "root"
	}
	if p, ok := g.plans[group]; ok {
		return p
	}
	name := planID(group)
	if g.t.Info != nil && plan.ID(g.t.Info.Title) != "" {
		name = planID(g.t.Info.Title + "-" + group)
	}
	for i, base := 2, name; g.names[name]; i++ {
		suffix := "-" + strconv.Itoa(i)
		name = base[:min(len(base), plan.MaxIDLength-len(suffix))] + suffix
	}
	g.names[name] = true
	what := "the GET operations tagged " + group
	if len(op.Tags) == 0 {
		what = "the GET operations under /" + group
	}
	p := &Plan{
		Name:         name,
		Comments:     []string{"Written by smokex new --from-openapi from " + g.o.Source + ": " + what + ".", "Each step expects what the document declares: the status, the content type and, for JSON, the body's schema."},
		SecretValues: map[string]string{},
	}
	g.plans[group] = p
	g.order = append(g.order, group)
	return p
}

// operation adds a step for op to its plan, or says why it is not sent.
func (g *openapiGen) operation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) {
	p := g.planFor(path, op)
	label := method + " " + path
	if op.OperationID != "" {
		label += " (" + op.OperationID + ")"
	}
	if method != http.MethodGet {
		why := "writes"
		if method == http.MethodHead || method == http.MethodOptions || method == http.MethodTrace {
			why = "not a GET"
		}
		p.NotSent = append(p.NotSent, label+": "+why)
		return
	}
	s := Step{Name: "GET " + path, Method: method}
	if op.OperationID != "" {
		s.Name = op.OperationID
	}
	if op.Summary != "" {
		s.Comment = strings.TrimSpace(strings.SplitN(op.Summary, "\n", 2)[0])
	}
	target := path
	var missing []string
	for _, pr := range parameters(item, op) {
		if !pr.Required && pr.In != openapi3.ParameterInPath {
			continue
		}
		v, ok := paramValue(pr)
		if !ok {
			missing = append(missing, pr.Name+" ("+pr.In+")")
			continue
		}
		inHeader := pr.In == openapi3.ParameterInHeader || pr.In == openapi3.ParameterInCookie
		if inHeader && (!httpguts.ValidHeaderFieldName(pr.Name) || !httpguts.ValidHeaderFieldValue(v)) || len(pr.Name) > MaxFieldName {
			missing = append(missing, pr.Name+" ("+pr.In+", a name or value a request cannot carry)")
			continue
		}
		switch pr.In {
		case openapi3.ParameterInPath:
			target = strings.ReplaceAll(target, "{"+pr.Name+"}", url.PathEscape(v))
		case openapi3.ParameterInQuery:
			s.Query = append(s.Query, StepHeader{Name: pr.Name, Value: v})
		case openapi3.ParameterInHeader:
			s.Headers = append(s.Headers, StepHeader{Name: pr.Name, Value: v})
		case openapi3.ParameterInCookie:
			s.Headers = append(s.Headers, StepHeader{Name: "Cookie", Value: pr.Name + "=" + v})
		}
	}
	if len(missing) > 0 {
		p.NotSent = append(p.NotSent, label+": no example or default for the required "+plural(len(missing), "parameter")+" "+strings.Join(missing, ", "))
		return
	}
	if why := g.security(p, &s, op); why != "" {
		p.NotSent = append(p.NotSent, label+": "+why)
		return
	}
	s.URLTemplate = "${base}" + strings.ReplaceAll(target, "${", "$${")
	g.expect(&s, op)
	p.Steps = append(p.Steps, s)
}

// parameters returns the path item's parameters with the operation's,
// the operation's winning over one of the same name and place.
func parameters(item *openapi3.PathItem, op *openapi3.Operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	seen := map[string]int{}
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			key := ref.Value.In + "\x00" + ref.Value.Name
			if i, ok := seen[key]; ok {
				out[i] = ref.Value
				continue
			}
			seen[key] = len(out)
			out = append(out, ref.Value)
		}
	}
	return out
}

// paramValue is the text a parameter is sent with: its example, its first
// named example, its schema's example or its schema's default.
func paramValue(pr *openapi3.Parameter) (string, bool) {
	candidates := []any{pr.Example}
	names := make([]string, 0, len(pr.Examples))
	for name := range pr.Examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ex := pr.Examples[name]; ex != nil && ex.Value != nil {
			candidates = append(candidates, ex.Value.Value)
		}
	}
	if pr.Schema != nil && pr.Schema.Value != nil {
		candidates = append(candidates, pr.Schema.Value.Example, pr.Schema.Value.Default)
		candidates = append(candidates, pr.Schema.Value.Examples...)
	}
	for _, c := range candidates {
		switch c := c.(type) {
		case string:
			return c, true
		case bool:
			return strconv.FormatBool(c), true
		case float64:
			return strconv.FormatFloat(c, 'f', -1, 64), true
		case int:
			return strconv.Itoa(c), true
		case int64:
			return strconv.FormatInt(c, 10), true
		case json.Number:
			return c.String(), true
		}
	}
	return "", false
}

// security adds the credentials op needs as secrets, or says why it
// cannot.
func (g *openapiGen) security(p *Plan, s *Step, op *openapi3.Operation) string {
	reqs := g.t.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return ""
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return "" // {} makes the credentials optional
		}
	}
	names := make([]string, 0, len(reqs[0]))
	for name := range reqs[0] {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var scheme *openapi3.SecurityScheme
		if g.t.Components != nil {
			if ref := g.t.Components.SecuritySchemes[name]; ref != nil {
				scheme = ref.Value
			}
		}
		if scheme == nil {
			return "the security scheme " + name + " is not in components.securitySchemes"
		}
		secret := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(plan.ID(name)))
		if secret == "" || secret[0] >= '0' && secret[0] <= '9' {
			secret = "API_" + secret
		}
		if scheme.Type == "apiKey" && (scheme.In == "header" || scheme.In == "cookie") && !httpguts.ValidHeaderFieldName(scheme.Name) || len(scheme.Name) > MaxFieldName {
			return "the security scheme " + name + " names a " + scheme.In + " a request cannot carry"
		}
		switch {
		case scheme.Type == "apiKey" && scheme.In == "header":
			s.Headers = append(s.Headers, StepHeader{Name: scheme.Name, Template: "${" + secret + "}"})
		case scheme.Type == "apiKey" && scheme.In == "query":
			s.Query = append(s.Query, StepHeader{Name: scheme.Name, Template: "${" + secret + "}"})
		case scheme.Type == "apiKey" && scheme.In == "cookie":
			s.Headers = append(s.Headers, StepHeader{Name: "Cookie", Template: scheme.Name + "=${" + secret + "}"})
		case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "basic"):
			s.Headers = append(s.Headers, StepHeader{Name: "Authorization", Template: "Basic ${base64(" + secret + ")}"})
		case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"), scheme.Type == "oauth2", scheme.Type == "openIdConnect":
			s.Headers = append(s.Headers, StepHeader{Name: "Authorization", Template: "Bearer ${" + secret + "}"})
		default:
			return "the security scheme " + name + " (" + scheme.Type + " " + scheme.Scheme + ") is not one a plan can send"
		}
		if !slices.Contains(p.Secrets, secret) {
			p.Secrets = append(p.Secrets, secret)
		}
	}
	return ""
}

// expect fills the step's expectations from the operation's first success
// response.
func (g *openapiGen) expect(s *Step, op *openapi3.Operation) {
	codes := op.Responses.Keys()
	sort.Strings(codes)
	var resp *openapi3.Response
	for _, c := range codes {
		if statusCode().MatchString(strings.ToLower(c)) && c[0] == '2' {
			if ref := op.Responses.Value(c); ref != nil && ref.Value != nil {
				s.Status, resp = strings.ToLower(c), ref.Value
				break
			}
		}
	}
	if resp == nil {
		return
	}
	media := make([]string, 0, len(resp.Content))
	for m := range resp.Content {
		media = append(media, m)
	}
	sort.Slice(media, func(i, j int) bool { return jsonMedia(media[i]) && !jsonMedia(media[j]) })
	if len(media) == 0 || strings.ContainsAny(media[0], "*") {
		return
	}
	s.ContentType = media[0]
	if !jsonMedia(media[0]) {
		return
	}
	s.Headers = append(s.Headers, StepHeader{Name: "Accept", Value: media[0]})
	mt := resp.Content[media[0]]
	if mt == nil || mt.Schema == nil {
		return
	}
	if err := g.schema(s, mt.Schema); err != nil {
		s.Comment = strings.TrimSpace(s.Comment + "\nThe body is not checked against its schema: " + err.Error())
	}
}

// jsonMedia reports whether a media type is JSON.
func jsonMedia(m string) bool {
	m, _, _ = strings.Cut(m, ";")
	m = strings.TrimSpace(strings.ToLower(m))
	return m == "application/json" || strings.HasSuffix(m, "+json")
}

// componentSchemas is the prefix of the references to a document's
// schemas.
const componentSchemas = "#/components/schemas/"

// schema sets the step's json_schema: a reference to the document where
// the schema is one as it stands, else the schema inline.
func (g *openapiGen) schema(s *Step, ref *openapi3.SchemaRef) error {
	root, defs, changed, err := g.inline(ref)
	if err != nil {
		return err
	}
	name, isComponent := strings.CutPrefix(ref.Ref, componentSchemas)
	if g.o.SchemaFile != "" && isComponent && !strings.Contains(name, "/") && !changed {
		s.SchemaRef = g.o.SchemaFile + ref.Ref
		return nil
	}
	if len(defs) > 0 {
		root["$defs"] = defs
	}
	raw, err := json.Marshal(root)
	if err != nil {
		return err
	}
	s.Schema = raw
	return nil
}

// inline converts a schema and those it refers to into JSON Schema (draft
// 2020-12): the component schemas it refers to go under $defs. changed
// says whether a keyword had to be rewritten (OpenAPI 3.0's nullable, a
// boolean exclusiveMinimum).
func (g *openapiGen) inline(ref *openapi3.SchemaRef) (root, defs map[string]any, changed bool, err error) {
	c := &schemaConv{g: g, defs: map[string]any{}}
	rootRef := ref
	if name, ok := strings.CutPrefix(ref.Ref, componentSchemas); ok && !strings.Contains(name, "/") {
		rootRef = &openapi3.SchemaRef{Value: ref.Value}
	}
	root, err = c.convertRef(rootRef)
	for len(c.todo) > 0 && err == nil {
		name := c.todo[0]
		c.todo = c.todo[1:]
		var ref *openapi3.SchemaRef
		if g.t.Components != nil {
			ref = g.t.Components.Schemas[name]
		}
		if ref == nil || ref.Value == nil {
			return nil, nil, false, fmt.Errorf("the schema %s%s is not in the document", componentSchemas, name)
		}
		var def map[string]any
		def, err = c.convertRef(&openapi3.SchemaRef{Value: ref.Value})
		c.defs[name] = def
	}
	if err != nil {
		return nil, nil, false, err
	}
	return root, c.defs, c.changed, nil
}

// schemaConv converts the schemas of one json_schema.
type schemaConv struct {
	g       *openapiGen
	defs    map[string]any
	todo    []string
	changed bool
}

// convertRef converts one schema, as kin-openapi writes it as JSON.
func (c *schemaConv) convertRef(ref *openapi3.SchemaRef) (map[string]any, error) {
	raw, err := json.Marshal(ref)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("a schema that is not an object")
	}
	return m, c.walk(m)
}

// schemaMaps, schemaValues and schemaLists are the keywords whose values
// are, in turn, maps of schemas, schemas and lists of schemas.
var (
	schemaMaps   = []string{"properties", "patternProperties", "$defs", "dependentSchemas"}
	schemaValues = []string{"items", "not", "additionalProperties", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
	schemaLists  = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
)

// walk rewrites a schema in place into JSON Schema 2020-12.
func (c *schemaConv) walk(m map[string]any) error {
	if ref, ok := m["$ref"].(string); ok {
		rest, ok := strings.CutPrefix(ref, componentSchemas)
		if !ok {
			return fmt.Errorf("the reference %q is not to a schema of components.schemas", ref)
		}
		name, _, _ := strings.Cut(rest, "/")
		if _, seen := c.defs[name]; !seen {
			c.defs[name] = nil
			c.todo = append(c.todo, name)
		}
		m["$ref"] = "#/$defs/" + rest
	}
	for k := range m {
		switch {
		case strings.HasPrefix(k, "x-"), k == "example", k == "xml", k == "externalDocs", k == "discriminator":
			delete(m, k)
		}
	}
	if !c.g.v31 {
		if n, ok := m["nullable"].(bool); ok {
			delete(m, "nullable")
			c.changed = true
			if t, ok := m["type"].(string); ok && n {
				m["type"] = []any{t, "null"}
			}
		}
		for _, bound := range []string{"Minimum", "Maximum"} {
			ex, ok := m["exclusive"+bound].(bool)
			if !ok {
				continue
			}
			c.changed = true
			delete(m, "exclusive"+bound)
			if v, ok := m[strings.ToLower(bound[:1])+bound[1:]]; ok && ex {
				m["exclusive"+bound] = v
				delete(m, strings.ToLower(bound[:1])+bound[1:])
			}
		}
	}
	for _, k := range schemaMaps {
		if sub, ok := m[k].(map[string]any); ok {
			for _, s := range sub {
				if err := c.sub(s); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range schemaValues {
		if err := c.sub(m[k]); err != nil {
			return err
		}
	}
	for _, k := range schemaLists {
		if list, ok := m[k].([]any); ok {
			for _, s := range list {
				if err := c.sub(s); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sub walks a subschema; a boolean schema stays as it is.
func (c *schemaConv) sub(v any) error {
	if m, ok := v.(map[string]any); ok {
		return c.walk(m)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// MaxOpenAPISize bounds the OpenAPI document FetchOpenAPI reads: 16 MiB.
const MaxOpenAPISize = 16 << 20

// FetchOpenAPI reads the OpenAPI document at an http or https URL with
// client (nil means http.DefaultClient), up to MaxOpenAPISize bytes.
func FetchOpenAPI(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("plangen: %q is not an http or https URL", rawURL)
	}
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("plangen: %w", err)
	}
	req.Header.Set("Accept", "application/yaml, application/json;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("plangen: fetching the OpenAPI document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("plangen: fetching the OpenAPI document at %s: %s", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxOpenAPISize+1))
	if err != nil {
		return nil, fmt.Errorf("plangen: reading the OpenAPI document at %s: %w", u.Redacted(), err)
	}
	if len(body) > MaxOpenAPISize {
		return nil, fmt.Errorf("plangen: the OpenAPI document at %s is larger than %d bytes", u.Redacted(), MaxOpenAPISize)
	}
	return body, nil
}
