package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/andybalholm/cascadia"
	"github.com/ohler55/ojg/jp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/internal/eval"
	"github.com/smokex/smokex/internal/planvalue"
)

// expectKeys are the keys of expect. body is the original Smokex's name:
// a mapping or list there means json, a string means string.
const expectKeys = "status_code headers json jsonpath json_schema string html assert body body_size certificate"

func (p *parser) expect(n *yaml.Node) Expect {
	var e Expect
	n, ok := p.section(n, yaml.MappingNode, "expect must be a mapping of assertions")
	if !ok {
		return e
	}
	var jsonKey, stringKey string
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "status_code":
			e.Status = p.status(kv.value)
		case "headers":
			e.Headers = p.expectHeaders(kv.value)
		case "jsonpath":
			e.JSONPath = p.jsonPaths(kv.value)
		case "body_size":
			e.BodySize = p.predicates(kv.value, "body_size", predicatesNumber, OpEqual)
			for _, pr := range e.BodySize {
				if (pr.Op == OpEqual || pr.Op == OpNotEqual) && !isNumberValue(pr.Value) {
					p.errorf(pr.Pos, "body_size compares a number of bytes, got %s", describeValue(pr.Value))
				}
			}
		case "json":
			if p.once(&jsonKey, kv) {
				e.JSON = p.value(kv.value, "expect json")
			}
		case "string":
			if !p.once(&stringKey, kv) {
				break
			}
			if v := resolve(kv.value); v.Kind == yaml.MappingNode {
				e.Text = p.predicates(v, "expect string", predicatesText, OpContains)
			} else {
				e.String = p.template(kv.value, "expect string")
			}
		case "body":
			v := resolve(kv.value)
			switch {
			case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
				if p.once(&stringKey, kv) {
					e.String = p.template(v, "expect body")
				}
			case v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode:
				if p.once(&jsonKey, kv) {
					e.JSON = p.value(v, "expect body")
				}
			default:
				p.errorAt(v, "expect body must be a mapping or a list (the JSON the body contains) or a string (text the body contains), got %s", describe(v))
			}
		case "html":
			e.HTML = p.html(kv.value)
		case "json_schema":
			e.JSONSchema = p.jsonSchema(kv.value)
		case "assert":
			e.Assert = p.asserts(kv.value)
		case "certificate":
			e.Certificate = p.certificate(kv.keyNode, kv.value)
		default:
			p.unknownKey(kv, "expect", expectKeys)
		}
	}
	return e
}

// once records that kv gives the assertion of slot; a second key for the
// same assertion (json and body, string and body) is an error.
func (p *parser) once(slot *string, kv pair) bool {
	if *slot != "" {
		p.errorAt(kv.keyNode, "expect has both %s and %s; keep one", *slot, kv.key)
		return false
	}
	*slot = kv.key
	return true
}

func (p *parser) status(n *yaml.Node) *StatusExpect {
	n = resolve(n)
	s := &StatusExpect{Pos: pos(n)}
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${") && n.ShortTag() == "!!str" {
			s.Expr = p.template(n, "status_code")
			if s.Expr == nil {
				return nil
			}
			return s
		}
		if !p.statusItem(n, s) {
			p.badStatus(n, "")
			return nil
		}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.errorAt(n, "%s, got an empty list", planvalue.StatusWant)
			return nil
		}
		ok := true
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode || !p.statusItem(item, s) {
				p.badStatus(item, "a list holding ")
				ok = false
			}
		}
		if !ok {
			return nil
		}
	default:
		p.errorAt(n, "%s, got %s", planvalue.StatusWant, describe(n))
		return nil
	}
	return s
}

// badStatus reports a status_code value that is not a code or a class.
func (p *parser) badStatus(n *yaml.Node, holding string) {
	if code, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil && n.Kind == yaml.ScalarNode {
		p.errorAt(n, "status_code %d is not an HTTP status code (100 to 599)", code)
		return
	}
	p.errorAt(n, "%s, got %s%s", planvalue.StatusWant, holding, describe(n))
}

// statusItem adds one code or class to s.
func (p *parser) statusItem(n *yaml.Node, s *StatusExpect) bool {
	switch n.ShortTag() {
	case "!!int", "!!str":
		return s.add(n.Value)
	}
	return false
}

// add adds a code ("200") or a class ("2xx") to s.
func (s *StatusExpect) add(text string) bool {
	n, class, ok := planvalue.StatusItem(text)
	switch {
	case !ok:
		return false
	case class:
		s.Classes = append(s.Classes, n)
	default:
		s.Codes = append(s.Codes, n)
	}
	return true
}

const htmlKeys = "path equal"

func (p *parser) html(n *yaml.Node) []HTMLExpect {
	var out []HTMLExpect
	for _, item := range p.mappings(n, "html must be a list of {path, equal}") {
		h := HTMLExpect{Pos: pos(item)}
		var hasPath bool
		for _, kv := range p.pairs(item) {
			switch kv.key {
			case "path":
				hasPath = true
				if s, ok := p.str(kv.value, "html path"); ok {
					if err := compileSelector(s); err != nil {
						p.errorAt(kv.value, "html path %q is not a valid CSS selector: %v", s, err)
					}
					h.Path = s
				}
			case "equal":
				h.Equal = p.template(kv.value, "html equal")
			default:
				p.unknownKey(kv, "html", htmlKeys)
			}
		}
		if !hasPath {
			p.errorAt(item, "an html assertion needs a path: the CSS selector")
		}
		if h.Equal == nil && !hasKey(item, "equal") {
			p.errorAt(item, "an html assertion needs equal: the text the first matching element holds")
		}
		out = append(out, h)
	}
	return out
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if resolve(n.Content[i]).Value == key {
			return true
		}
	}
	return false
}

func compileSelector(s string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_, err = cascadia.Compile(s)
	return err
}

func (p *parser) asserts(n *yaml.Node) []*Expression {
	n, ok := p.section(n, yaml.SequenceNode, "assert must be a list of expressions")
	if !ok {
		return nil
	}
	var out []*Expression
	for _, item := range n.Content {
		if v := resolve(item); v.Kind != yaml.ScalarNode || isNull(v) {
			p.errorAt(v, "assert must be a list of expressions, got a list holding %s", describe(v))
			continue
		}
		if e := p.expression(item, "assert"); e != nil && p.checkBool(item, e) {
			out = append(out, e)
		}
	}
	return out
}

// checkBool reports an assert that cannot give true or false (status + 1),
// type-checked against the response scope.
func (p *parser) checkBool(n *yaml.Node, e *Expression) bool {
	src := e.String()
	if p.boolChecked[src] {
		return true
	}
	err := eval.CheckBool(src, typeEnv)
	var te *eval.TypeError
	switch {
	case errors.As(err, &te):
		p.errorf(pos(resolve(n)), "assert %q gives %s, not true or false: compare it, as in status == 200", src, te.Got)
		return false
	case err != nil:
		base := 0
		if _, ok := wholeTemplate(resolve(n).Value); ok {
			base = 2
		}
		var se *eval.SyntaxError
		if errors.As(err, &se) {
			err = &eval.SyntaxError{Offset: se.Offset + base, Message: se.Message}
		}
		p.exprError(resolve(n), "assert", err)
		return false
	}
	if p.boolChecked == nil {
		p.boolChecked = map[string]bool{}
	}
	p.boolChecked[src] = true
	return true
}

const captureKeys = "variable_name json_path header expression redact"

func (p *parser) captures(n *yaml.Node) []Capture {
	var out []Capture
	for _, item := range p.mappings(n, "save_from_response must be a list of {variable_name, json_path | header | expression}") {
		c := Capture{Pos: pos(item)}
		var sources []string
		var hasName bool
		for _, kv := range p.pairs(item) {
			switch kv.key {
			case "variable_name":
				hasName = true
				if s, ok := p.str(kv.value, "variable_name"); ok && p.identifier(resolve(kv.value), s, "variable") {
					c.Variable = s
				}
			case "json_path":
				sources = append(sources, kv.key)
				if s, ok := p.str(kv.value, "json_path"); ok {
					c.JSONPath = s
					path, err := cached(&p.paths, s, compileJSONPath)
					if err != nil {
						p.errorAt(kv.value, "json_path %q is not a valid JSONPath: %v", s, err)
					}
					c.Path = path
				}
			case "header":
				sources = append(sources, kv.key)
				if s, ok := p.str(kv.value, "header"); ok {
					if s == "" {
						p.errorAt(kv.value, "header must name a response header")
					}
					c.Header = s
				}
			case "expression":
				sources = append(sources, kv.key)
				c.Expression = p.expression(kv.value, "expression")
			case "redact":
				v := resolve(kv.value)
				b, err := planvalue.Bool(v.Value)
				if v.Kind != yaml.ScalarNode || isNull(v) || err != nil {
					p.errorAt(v, "redact must be true or false, got %s", describe(v))
				}
				c.Redact = b
			default:
				p.unknownKey(kv, "save_from_response", captureKeys)
			}
		}
		if !hasName {
			p.errorAt(item, "a capture needs variable_name: the variable to save into")
		}
		switch len(sources) {
		case 0:
			p.errorAt(item, "a capture needs one source: json_path, header or expression")
		case 1:
		default:
			p.errorAt(item, "a capture takes one source, got %s", strings.Join(sources, " and "))
		}
		out = append(out, c)
	}
	return out
}

// compileJSONPath compiles a JSONPath; the original's bare child notation
// a.b means $.a.b.
func compileJSONPath(s string) (x jp.Expr, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty path")
	}
	switch {
	case strings.HasPrefix(s, "$"), strings.HasPrefix(s, "@"):
	case strings.HasPrefix(s, "["):
		s = "$" + s
	default:
		s = "$." + s
	}
	x, err = parseJSONPath(s)
	if err != nil {
		if fixed := bracketKeys(s); fixed != s {
			if _, ferr := parseJSONPath(fixed); ferr == nil {
				err = fmt.Errorf("%w; a key that is not a plain name is written in brackets: %s", err, fixed)
			}
		}
	}
	return x, err
}

// parseJSONPath parses s, turning a panic of the parser into an error.
func parseJSONPath(s string) (x jp.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return jp.ParseString(s)
}

// bracketKeys rewrites the dotted keys of the path s that are not plain
// names (X-Team, a b) in bracket notation: $.headers.X-Team becomes
// $.headers['X-Team']. Brackets and quotes are copied as they are.
func bracketKeys(s string) string {
	var b strings.Builder
	depth := 0
	var quote rune
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if rune(c) == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = rune(c)
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0 && (i+1 >= len(s) || s[i+1] != '.'):
			end := i + 1
			for end < len(s) && s[end] != '.' && s[end] != '[' {
				end++
			}
			key := s[i+1 : end]
			if key != "" && key != "*" && !isPlainKey(key) && !strings.Contains(key, "'") {
				b.WriteString("['" + key + "']")
				i = end - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isPlainKey tells whether key may follow a dot in a JSONPath: letters,
// digits and underscores.
func isPlainKey(key string) bool {
	for _, r := range key {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// Match reports whether code passes. A nil StatusExpect (the plan sets no
// status_code) passes 200 to 299. A StatusExpect whose Expr is set must be
// resolved by the executor first; on its own it passes nothing.
func (s *StatusExpect) Match(code int) bool {
	if s == nil {
		return code >= 200 && code <= 299
	}
	return slices.Contains(s.Codes, code) || slices.Contains(s.Classes, code/100)
}
