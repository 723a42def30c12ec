package plan

import (
	"net/url"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"
)

// MethodKeys are the method keys of a step, lower-case, separated by
// spaces. A step may write them in any case.
const MethodKeys = "get post put patch delete head options trace connect"

// requestKeys are the keys of a step's request.
const requestKeys = "name host url query headers body form expect save_from_response options"

// IsMethod reports whether name is a method a step sends (get, POST, ...:
// the method keys, in any case).
func IsMethod(name string) bool { return isMethod(name) }

func isMethod(key string) bool {
	switch strings.ToLower(key) { // no copy when key is lower case already
	case "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect": // MethodKeys
		return true
	}
	return false
}

func (p *parser) step(n *yaml.Node) (Step, bool) {
	st := Step{Pos: pos(n)}
	if n.Kind != yaml.MappingNode {
		p.errorAt(n, "a step must be a mapping with one method key such as get or post, got %s", describe(n))
		return st, false
	}
	var method *pair
	var misplaced []pair
	ok := true
	for _, kv := range p.pairs(n) {
		switch {
		case isMethod(kv.key):
			if method != nil {
				p.errorAt(kv.keyNode, "a step has two method keys, %q and %q; write each request as its own step", method.key, kv.key)
				ok = false
				continue
			}
			method = &kv
		case slices.Contains(strings.Fields(requestKeys), kv.key):
			misplaced = append(misplaced, kv)
			ok = false
		default:
			p.unknownKey(kv, "step", MethodKeys)
			ok = false
		}
	}
	for _, kv := range misplaced {
		if method != nil {
			p.errorAt(kv.keyNode, "key %q must be indented under %q", kv.key, method.key)
		} else {
			p.errorAt(kv.keyNode, "key %q belongs inside the step's method, as in \"- get: {%s: ...}\"", kv.key, kv.key)
		}
	}
	if method == nil {
		if ok {
			p.errorAt(n, "a step needs one method key: %s", strings.Join(strings.Fields(MethodKeys), ", "))
		}
		return st, false
	}
	st.Method = strings.ToUpper(method.key)
	req := resolve(method.value)
	if req.Kind != yaml.MappingNode {
		if !isNull(req) || len(misplaced) == 0 {
			p.errorAt(req, "%s takes a mapping with at least host, got %s", method.key, describe(req))
		}
		return st, false
	}
	before := len(p.errs)
	p.request(req, &st)
	return st, ok && len(p.errs) == before
}

func (p *parser) request(n *yaml.Node, st *Step) {
	var host *pair
	var body, form *pair
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "name":
			st.Name, _ = p.str(kv.value, "name")
		case "host", "url":
			if host != nil {
				p.errorAt(kv.keyNode, "a step has both %q and %q; they are the same, keep one", host.key, kv.key)
				continue
			}
			host = &kv
			st.urlKey = kv.key
			st.URL = p.url(kv.value, kv.key)
		case "query":
			st.Query = p.params(kv.value, "query", true)
		case "headers":
			st.Headers = p.headers(kv.value, "headers")
		case "body":
			body = &kv
			v := resolve(kv.value)
			switch {
			case v.Kind == yaml.MappingNode, v.Kind == yaml.SequenceNode,
				v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
				st.Body = p.value(v, "body")
			default:
				p.errorAt(v, "body must be a mapping or a list (sent as JSON) or a string (sent as is), got %s", describe(v))
			}
		case "form":
			form = &kv
			st.Form = p.params(kv.value, "form", true)
		case "expect":
			st.Expect = p.expect(kv.value)
		case "save_from_response":
			st.Captures = p.captures(kv.value)
		case "options":
			st.Options = p.options(kv.value)
		default:
			p.unknownKey(kv, "step", requestKeys)
		}
	}
	if host == nil {
		p.errorAt(n, "a step needs a host: the URL to request")
	}
	p.checkCertificateURL(st)
	if body != nil && form != nil {
		p.errorAt(form.keyNode, "a step has both body and form; send one")
	}
}

// url compiles a step's URL and checks it when it holds no expression.
func (p *parser) url(n *yaml.Node, key string) *Template {
	t := p.template(n, key)
	if t == nil {
		return nil
	}
	s, literal := t.Literal()
	if !literal {
		return t
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
			// It may hold a password that broke it: show none of it.
			p.errorf(t.Pos, "%s must be an absolute http or https URL, got %q (a user name or password holding / ? # @ or spaces must be percent-encoded)", key, s[:i+3]+"xxxxx"+s[j:])
			return nil
		}
		p.errorf(t.Pos, "%s must be an absolute http or https URL, got %q", key, s)
		return nil
	}
	return t
}

// headers reads a mapping of header names to scalars, each name a valid
// HTTP header name.
func (p *parser) headers(n *yaml.Node, what string) []Param {
	hs := p.params(n, what, false)
	for _, h := range hs {
		if !httpguts.ValidHeaderFieldName(h.Name) {
			p.errorf(h.Pos, "%q is not a valid header name", h.Name)
		}
	}
	return hs
}

// params reads a map of name to scalar (or, when lists is true, to a list
// of scalars).
func (p *parser) params(n *yaml.Node, what string, lists bool) []Param {
	kinds := "scalars"
	if lists {
		kinds = "scalars or lists of scalars"
	}
	n, ok := p.section(n, yaml.MappingNode, what+" must be a mapping of names to "+kinds)
	if !ok {
		return nil
	}
	var out []Param
	for _, kv := range p.pairs(n) {
		if kv.key == "" {
			p.errorAt(kv.keyNode, "%s: a name must not be empty", what)
			continue
		}
		prm := Param{Name: kv.key, Pos: pos(kv.keyNode)}
		v := resolve(kv.value)
		label := what + " " + quote(kv.key)
		switch {
		case v.Kind == yaml.ScalarNode:
			if t := p.template(v, label); t != nil {
				prm.Values = []*Template{t}
			}
		case v.Kind == yaml.SequenceNode && lists:
			for _, item := range v.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode {
					p.errorAt(item, "%s must be a scalar or a list of scalars, got a list holding %s", label, describe(item))
					continue
				}
				if t := p.template(item, label); t != nil {
					prm.Values = append(prm.Values, t)
				}
			}
		default:
			want := "a scalar"
			if lists {
				want = "a scalar or a list of scalars"
			}
			p.errorAt(v, "%s must be %s, got %s", label, want, describe(v))
			continue
		}
		out = append(out, prm)
	}
	return out
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
