package plangen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/http/httpguts"

	"github.com/smokex/smokex/plan"
)

// HAR is an HTTP Archive (HAR 1.2), as browsers' developer tools export a
// recorded session: only the fields FromHAR reads.
type HAR struct {
	Log HARLog `json:"log"`
}

// HARLog is the log of a HAR.
type HARLog struct {
	Entries []HAREntry `json:"entries"`
}

// HAREntry is one request and its response.
type HAREntry struct {
	Request  HARRequest  `json:"request"`
	Response HARResponse `json:"response"`
	// ResourceType is Chromium's kind of the request: "document",
	// "xhr", "fetch", "image", "stylesheet", "script", "font", ...
	ResourceType string `json:"_resourceType,omitempty"`
}

// HARRequest is a recorded request.
type HARRequest struct {
	Method   string       `json:"method"`
	URL      string       `json:"url"`
	Headers  []HARNameVal `json:"headers"`
	PostData *HARPostData `json:"postData,omitempty"`
	Cookies  []HARNameVal `json:"cookies,omitempty"`
}

// HARPostData is a request's body.
type HARPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

// HARResponse is a recorded response.
type HARResponse struct {
	Status  int          `json:"status"`
	Headers []HARNameVal `json:"headers"`
	Cookies []HARNameVal `json:"cookies,omitempty"`
	Content HARContent   `json:"content"`
}

// HARContent is a response's body: Text, base64 when Encoding says so.
type HARContent struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

// HARNameVal is a header, a cookie or a query parameter.
type HARNameVal struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MaxHARSize bounds the HAR ParseHAR reads: 64 MiB.
const MaxHARSize = 64 << 20

// ParseHAR reads a HAR file. An error names what is wrong with it.
func ParseHAR(data []byte) (*HAR, error) {
	if len(data) > MaxHARSize {
		return nil, fmt.Errorf("plangen: the HAR is larger than %d bytes", MaxHARSize)
	}
	var h HAR
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&h); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := position(data, se.Offset-1)
			return nil, fmt.Errorf("plangen: the HAR is not JSON: line %d, column %d: %v", line, col, err)
		case errors.As(err, &te):
			line, col := position(data, te.Offset)
			return nil, fmt.Errorf("plangen: the HAR's %s at line %d, column %d must be a %s, not a %s", te.Field, line, col, te.Type, te.Value)
		}
		return nil, fmt.Errorf("plangen: the HAR is not JSON: %w", err)
	}
	if h.Log.Entries == nil {
		return nil, errors.New(`plangen: the HAR has no log.entries: export it from the browser's network panel ("Save all as HAR")`)
	}
	for i, e := range h.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("plangen: the HAR's entry %d: request.url %q is not an http or https URL", i+1, e.Request.URL)
		}
		if !plan.IsMethod(e.Request.Method) {
			return nil, fmt.Errorf("plangen: the HAR's entry %d: request.method %q is not one a plan sends", i+1, e.Request.Method)
		}
	}
	return &h, nil
}

// position turns a byte offset into a line and a column, from 1.
func position(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, int(off) - bytes.LastIndexByte(before, '\n')
}

// HAROpts configures FromHAR. A nil *HAROpts is the zero value.
type HAROpts struct {
	// Hosts are the hosts whose requests become steps, with or without
	// the port ("api.example.com", "127.0.0.1:8080"). Defaults to the host
	// of the first request that is not a static asset.
	Hosts []string
	// Source names the HAR in the plan's comment. Defaults to "the HAR".
	Source string
}

// The secrets FromHAR makes of what a recording sends.
const (
	// SecretHARAuthorization holds an Authorization header that no
	// earlier response gave.
	SecretHARAuthorization = SecretAuthorization
	// SecretHARCookie holds the cookies that no earlier response set.
	SecretHARCookie = SecretCookie
)

// FromHAR turns a recorded session into a plan: a step per request to the
// chosen hosts, in order, static assets (images, style sheets, scripts,
// fonts, media) and CORS preflights left out. A value of an earlier JSON
// response that a later request sends (a token, an id) is captured from
// that response and written as ${name} where it is sent. An Authorization
// header, a header or query parameter named as a credential (X-API-Key,
// api_key, access_token, ...) and cookies that no earlier response gave, and the fields of a body
// named like a password, become secrets (their values in
// SecretValues, never in the plan). Each step expects the recorded status.
func FromHAR(har []byte, opts *HAROpts) (*Plan, error) {
	var o HAROpts
	if opts != nil {
		o = *opts
	}
	if o.Source == "" {
		o.Source = "the HAR"
	}
	h, err := ParseHAR(har)
	if err != nil {
		return nil, err
	}
	g := &harGen{p: &Plan{SecretValues: map[string]string{}}, values: map[string]capturable{}, names: map[string]bool{}, setCookies: map[string]string{}}
	hosts := o.Hosts
	assets, others := 0, map[string]int{}
	for _, e := range h.Log.Entries {
		if isAsset(&e) || e.Request.Method == http.MethodOptions {
			assets++
			continue
		}
		u, _ := url.Parse(e.Request.URL)
		if len(hosts) == 0 {
			hosts = []string{u.Host}
		}
		if !slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) }) {
			others[u.Host]++
			continue
		}
		if err := g.entry(&e, u); err != nil {
			return nil, err
		}
	}
	if len(g.p.Steps) == 0 {
		return nil, fmt.Errorf("plangen: %s has no request to %s but static assets", o.Source, strings.Join(hosts, ", "))
	}
	g.p.Name = planID("session-" + strings.Join(hosts, "-"))
	g.p.Comments = []string{"Written by smokex new --from-har from " + o.Source + ": the requests to " + strings.Join(hosts, ", ") + ", in order, each expecting its recorded status."}
	var left []string
	if assets > 0 {
		left = append(left, strconv.Itoa(assets)+" "+plural(assets, "static asset")+" or "+plural(assets, "preflight"))
	}
	if len(others) > 0 {
		names := make([]string, 0, len(others))
		n := 0
		for h, c := range others {
			names = append(names, h)
			n += c
		}
		sort.Strings(names)
		left = append(left, strconv.Itoa(n)+" "+plural(n, "request")+" to other hosts ("+strings.Join(names, ", ")+"; add them with --host)")
	}
	if len(left) > 0 {
		g.p.Comments = append(g.p.Comments, "Left out: "+strings.Join(left, ", ")+".")
	}
	if len(g.p.Secrets) > 0 {
		g.p.Comments = append(g.p.Comments, "The session's credentials are secrets, read from the environment when it runs: "+strings.Join(g.p.Secrets, ", ")+".")
	}
	return g.p, nil
}

// assetTypes are the resource types, media types and extensions of the
// static assets a plan leaves out.
var (
	assetTypes = []string{"image", "stylesheet", "script", "font", "media", "manifest", "texttrack"}
	assetMedia = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(image|font|audio|video)/|^text/css|javascript|^application/(x-)?font|^application/wasm`)
	})
	assetExtensions = []string{".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif", ".bmp", ".css", ".js", ".mjs", ".map", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3", ".wasm"}
)

// isAsset reports whether an entry fetched a static asset.
func isAsset(e *HAREntry) bool {
	if slices.Contains(assetTypes, e.ResourceType) {
		return true
	}
	mt, _, _ := mime.ParseMediaType(e.Response.Content.MimeType)
	if mt != "" && assetMedia().MatchString(mt) {
		return true
	}
	u, err := url.Parse(e.Request.URL)
	return err == nil && slices.Contains(assetExtensions, strings.ToLower(path.Ext(u.Path)))
}

// capturable is a value an earlier JSON response held.
type capturable struct {
	step     int
	jsonPath string
	name     string
	// variable is set once a later request sends the value.
	variable string
}

// identifier is a key a JSONPath may write after a dot.
var identifier = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// harGen builds the plan of a HAR, request by request.
type harGen struct {
	p *Plan
	// values are the strings earlier JSON responses held, by value.
	values map[string]capturable
	names  map[string]bool
	// setCookies are the cookies earlier responses set, by name: the
	// executor's cookie jar sends them again.
	setCookies map[string]string
	bases      []Var
}

// minCaptured is the shortest value that is captured: shorter ones
// ("ok", "demo") are too likely to match by chance.
const minCaptured = 8

// skippedHeaders are headers the plan does not send as recorded: set by
// the client, the browser's own, or conditional.
var skippedHeaders = []string{"host", "connection", "content-length", "accept-encoding", "user-agent", "origin", "referer", "cache-control", "pragma", "upgrade-insecure-requests",
	"if-none-match", "if-modified-since", "accept-language", "dnt", "priority", "te", "keep-alive", "proxy-connection", "transfer-encoding"}

// secretField matches the names of body fields that are secrets.
var secretField = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^(pass(word|wd)?|secret|client_secret|api_?key)$`)
})

func (g *harGen) entry(e *HAREntry, u *url.URL) error {
	r := &e.Request
	base := g.base(u)
	rest := u.EscapedPath()
	if rest == "" {
		rest = "/"
	}
	s := Step{Method: strings.ToUpper(r.Method), Name: strings.ToUpper(r.Method) + " " + rest, Status: strconv.Itoa(e.Response.Status)}
	if e.Response.Status < 100 || e.Response.Status > 599 {
		s.Status = ""
	}
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	s.URLTemplate = "${" + base + "}" + g.template(rest)
	if path, query, ok := strings.Cut(s.URLTemplate, "?"); ok {
		s.URLTemplate = path + "?" + credentialQuery(query, g.secret)
	}
	contentType := ""
	for _, hd := range mergeHeaders(r.Headers) {
		name := strings.ToLower(hd.Name)
		switch {
		case !httpguts.ValidHeaderFieldName(hd.Name), !httpguts.ValidHeaderFieldValue(hd.Value), len(hd.Name) > MaxFieldName,
			strings.HasPrefix(name, "sec-"), slices.Contains(skippedHeaders, name):
		case name == "cookie":
			if c := g.cookies(hd.Value); c != "" {
				s.Headers = append(s.Headers, StepHeader{Name: "Cookie", Template: "${" + g.secret(SecretHARCookie, c) + "}"})
			}
		case name == "authorization":
			t := g.template(hd.Value)
			if !strings.Contains(t, "${") {
				t = "${" + g.secret(SecretHARAuthorization, hd.Value) + "}"
			}
			s.Headers = append(s.Headers, StepHeader{Name: hd.Name, Template: t})
		case slices.Contains(credentialHeaders, name):
			secretName, _ := credentialSecret(name)
			t := g.template(hd.Value)
			if !strings.Contains(t, "${") {
				t = "${" + g.secret(secretName, hd.Value) + "}"
			}
			s.Headers = append(s.Headers, StepHeader{Name: hd.Name, Template: t})
		default:
			if name == "content-type" {
				contentType = hd.Value
			}
			s.Headers = append(s.Headers, StepHeader{Name: hd.Name, Template: g.template(hd.Value)})
		}
	}
	if r.PostData != nil && r.PostData.Text != "" {
		if !slices.ContainsFunc(s.Headers, func(h StepHeader) bool { return strings.EqualFold(h.Name, "Content-Type") }) && r.PostData.MimeType != "" {
			contentType = r.PostData.MimeType
			s.Headers = append(s.Headers, StepHeader{Name: "Content-Type", Value: contentType})
		}
		g.body(&s, contentType, r.PostData.Text)
	}
	idx := len(g.p.Steps)
	g.p.Steps = append(g.p.Steps, s)
	g.response(idx, &e.Response)
	return nil
}

// mergeHeaders joins the values of the headers of one name, as a plan
// holds one value per name: cookies with "; ", the others with ", ".
func mergeHeaders(hs []HARNameVal) []HARNameVal {
	var out []HARNameVal
	at := map[string]int{}
	for _, h := range hs {
		key := strings.ToLower(h.Name)
		i, ok := at[key]
		if !ok {
			at[key] = len(out)
			out = append(out, h)
			continue
		}
		sep := ", "
		if key == "cookie" {
			sep = "; "
		}
		out[i].Value += sep + h.Value
	}
	return out
}

// base returns the variable that holds the scheme and host of u.
func (g *harGen) base(u *url.URL) string {
	origin := u.Scheme + "://" + u.Host
	for _, v := range g.bases {
		if v.Value == origin {
			return v.Name
		}
	}
	name := "base"
	if len(g.bases) > 0 {
		name = "base_" + strings.NewReplacer("-", "_", ".", "_").Replace(plan.ID(u.Host))
	}
	g.bases = append(g.bases, Var{Name: name, Value: origin})
	g.p.Vars = append(g.p.Vars, Var{Name: name, Value: origin})
	return name
}

// template writes text with ${ escaped and each value an earlier response
// held replaced by the variable that captures it, longest values first.
func (g *harGen) template(text string) string {
	out := strings.ReplaceAll(text, "${", "$${")
	values := make([]string, 0, len(g.values))
	for v := range g.values {
		if strings.Contains(text, v) {
			values = append(values, v)
		}
	}
	sort.Slice(values, func(i, j int) bool {
		return len(values[i]) > len(values[j]) || len(values[i]) == len(values[j]) && values[i] < values[j]
	})
	for _, v := range values {
		esc := strings.ReplaceAll(v, "${", "$${")
		if !strings.Contains(out, esc) {
			continue
		}
		out = strings.ReplaceAll(out, esc, "${"+g.capture(v)+"}")
	}
	return out
}

// capture returns the variable that captures value, adding the capture
// to the step whose response held it.
func (g *harGen) capture(value string) string {
	c := g.values[value]
	if c.variable != "" {
		return c.variable
	}
	name := c.name
	for i := 2; g.names[name]; i++ {
		name = c.name + "_" + strconv.Itoa(i)
	}
	g.names[name] = true
	c.variable = name
	g.values[value] = c
	st := &g.p.Steps[c.step]
	st.Captures = append(st.Captures, Capture{Variable: name, JSONPath: c.jsonPath})
	return name
}

// secret names value as a secret, NAME or NAME_2 when NAME holds another
// value.
func (g *harGen) secret(name, value string) string {
	n := name
	for i := 2; ; i++ {
		v, ok := g.p.SecretValues[n]
		if !ok {
			g.p.Secrets = append(g.p.Secrets, n)
			g.p.SecretValues[n] = value
			return n
		}
		if v == value {
			return n
		}
		n = name + "_" + strconv.Itoa(i)
	}
}

// cookies returns the cookies of a Cookie header that no earlier response
// set with the same value.
func (g *harGen) cookies(header string) string {
	var keep []string
	for part := range strings.SplitSeq(header, ";") {
		part = strings.TrimSpace(part)
		name, value, _ := strings.Cut(part, "=")
		if part == "" || g.setCookies[name] == value && value != "" {
			continue
		}
		keep = append(keep, part)
	}
	return strings.Join(keep, "; ")
}

// body sets a step's body: JSON as a mapping, with captured values and
// secrets as ${...}; a form with its secret fields as ${...}; anything
// else as text.
func (g *harGen) body(s *Step, contentType, text string) {
	mt, _, _ := mime.ParseMediaType(contentType)
	s.BodyTemplate = true
	if jsonMedia(mt) {
		var v any
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		if d.Decode(&v) == nil && !d.More() {
			if _, isObj := v.(map[string]any); isObj || isList(v) {
				raw, err := json.Marshal(g.jsonTemplate(v, ""))
				if err == nil {
					s.JSONBody = raw
					return
				}
			}
		}
	}
	if mt == "application/x-www-form-urlencoded" {
		if q, err := url.ParseQuery(text); err == nil {
			var parts []string
			for _, kv := range strings.Split(text, "&") {
				k, _, _ := strings.Cut(kv, "=")
				name, _ := url.QueryUnescape(k)
				if secretField().MatchString(name) && len(q[name]) == 1 {
					parts = append(parts, strings.ReplaceAll(k, "${", "$${")+"=${urlencode("+g.secret(strings.ToUpper(name), q[name][0])+")}")
					continue
				}
				parts = append(parts, g.template(kv))
			}
			s.Body = strings.Join(parts, "&")
			return
		}
	}
	s.Body = g.template(text)
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

// jsonTemplate rewrites a decoded JSON body: strings become templates,
// and a string field named like a password a secret.
func (g *harGen) jsonTemplate(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ReplaceAll(k, "${", "$${")] = g.jsonTemplate(e, k)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = g.jsonTemplate(e, key)
		}
	case string:
		if secretField().MatchString(key) && v != "" {
			return "${" + g.secret(strings.ToUpper(key), v) + "}"
		}
		return g.template(v)
	}
	return v
}

// response remembers the cookies a response sets and the strings its JSON
// body holds, for the requests after it.
func (g *harGen) response(step int, r *HARResponse) {
	for _, c := range r.Cookies {
		g.setCookies[c.Name] = c.Value
	}
	for _, hd := range r.Headers {
		if strings.EqualFold(hd.Name, "Set-Cookie") {
			if c, err := http.ParseSetCookie(hd.Value); err == nil {
				g.setCookies[c.Name] = c.Value
			}
		}
	}
	mt, _, _ := mime.ParseMediaType(r.Content.MimeType)
	if !jsonMedia(mt) || r.Content.Text == "" {
		return
	}
	text := r.Content.Text
	if r.Content.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return
		}
		text = string(b)
	}
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return
	}
	g.collect(step, v, "$", "value")
}

// collect remembers the strings of a JSON value with their JSONPath; the
// first response to hold a value is the one it is captured from.
func (g *harGen) collect(step int, v any, at, name string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := at + "['" + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), "'", `\'`) + "']"
			if identifier().MatchString(k) {
				p = at + "." + k
			}
			g.collect(step, v[k], p, k)
		}
	case []any:
		for i, e := range v {
			g.collect(step, e, at+"["+strconv.Itoa(i)+"]", name)
		}
	case string:
		if len(v) < minCaptured {
			return
		}
		if _, seen := g.values[v]; seen {
			return
		}
		varName := strings.NewReplacer("-", "_", ".", "_").Replace(plan.ID(name))
		if varName == "" || varName[0] >= '0' && varName[0] <= '9' || slices.Contains(plan.ResponseNames(), varName) {
			varName = "value_" + varName
		}
		g.values[v] = capturable{step: step, jsonPath: at, name: varName}
	}
}
