package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ohler55/ojg/jp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/internal/eval"
)

// Limits applied when ParseOpts leaves them zero.
const (
	// DefaultMaxSize is the largest plan source Parse accepts, in bytes.
	DefaultMaxSize = 1 << 20
	// DefaultMaxSteps is the most steps a plan may have.
	DefaultMaxSteps = 10000
	// DefaultMaxExpressions is the most distinct ${...}, assert and capture
	// expressions a plan may hold; each is compiled when the plan loads.
	DefaultMaxExpressions = 50000
	// MaxErrors is the most errors Parse reports for one plan; past it,
	// parsing stops with a last error saying so.
	MaxErrors = 1000
)

// ParseOpts tune Parse. A nil *ParseOpts, and every zero field, means the
// default.
type ParseOpts struct {
	// File names the plan in errors and, when the plan has no name, gives
	// its ID (the base name without extension). Defaults to "" (errors then
	// start with the line).
	File string
	// MaxSize is the largest source accepted, in bytes; a larger one is an
	// error before any parsing. Defaults to DefaultMaxSize.
	MaxSize int64
	// MaxSteps is the most steps a plan may have. Defaults to
	// DefaultMaxSteps.
	MaxSteps int
	// MaxExpressions bounds the distinct expressions a plan may hold,
	// counting every ${...} of its templates and every assert and capture
	// expression; an expression written again is compiled once and counts
	// once. The bound is checked before compiling, so a template new to the
	// plan counts all its ${...} against what remains. Defaults to
	// DefaultMaxExpressions.
	MaxExpressions int
	// Exclude, when set, tells LoadDir and LoadFS to skip the file or the
	// directory at a path (slash-separated, relative to the directory
	// loaded) without reading it: a docker-compose.yml among the plans.
	Exclude func(path string) bool
	// FS is the file system that holds the plan: a json_schema that refers
	// to a file ({$ref: "openapi.yaml#/components/schemas/Item"}) reads it
	// from FS, relative to Dir, and never from outside FS. ParseFile,
	// LoadDir and LoadFS set FS and Dir for each file they read. Defaults to
	// nil: a plan parsed from bytes cannot refer to a file.
	FS fs.FS
	// Dir is the directory of the plan in FS, slash-separated. Defaults to
	// ".", the root of FS.
	Dir string
	// Files, when FS is nil, are the files a json_schema may refer to, by
	// their path relative to the plan's directory, as an earlier parse
	// read them (Plan.Files): a plan stored with its files parses again
	// where its folder is not, on another replica or after a restart.
	// Defaults to none.
	Files map[string][]byte

	// programs are the compiled expressions that the plans loaded together
	// (the files of one LoadFS) share; nil for a plan parsed alone.
	programs *eval.Programs
	// ownSource is set by the loaders that read the source themselves:
	// the plan keeps it as its Source instead of a copy.
	ownSource bool
}

func (o *ParseOpts) withDefaults() ParseOpts {
	var out ParseOpts
	if o != nil {
		out = *o
	}
	if out.MaxSize <= 0 {
		out.MaxSize = DefaultMaxSize
	}
	if out.MaxSteps <= 0 {
		out.MaxSteps = DefaultMaxSteps
	}
	if out.MaxExpressions <= 0 {
		out.MaxExpressions = DefaultMaxExpressions
	}
	if out.Dir == "" {
		out.Dir = "."
	}
	return out
}

// ParseFile reads and parses the plan at path. Errors in the plan are an
// ErrorList whose errors name path; a file that cannot be read is returned
// as the error of the file system, wrapped. As for LoadFS, only a regular
// file (once symbolic links are followed) is read: a named pipe, a device
// or a socket is an error naming it, rather than a read that may never end.
func ParseFile(path string, opts *ParseOpts) (*Plan, error) {
	o := opts.withDefaults()
	o.File = path
	o.FS, o.Dir = os.DirFS(filepath.Dir(path)), "."
	f, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	src, err := readRegular(f, o.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("plan: read %s: %w", path, err)
	}
	o.ownSource = true
	return Parse(src, &o)
}

// Parse parses and validates a plan, in either form, and compiles its
// expressions. On failure the error is an ErrorList holding every problem
// found in the source (up to MaxErrors), sorted by position.
func Parse(src []byte, opts *ParseOpts) (*Plan, error) {
	pl, _, err := parseRefs(src, opts)
	return pl, err
}

// parseRefs is Parse that also returns the files, as paths of opts.FS, that
// the plan's json_schema assertions refer to, and those these refer to in
// turn, even when it has errors.
func parseRefs(src []byte, opts *ParseOpts) (*Plan, []string, error) {
	o := opts.withDefaults()
	if o.FS == nil && len(o.Files) > 0 {
		o.FS, o.Dir = filesFS(o.Files)
	}
	p := &parser{file: o.File, src: src, maxSteps: o.MaxSteps, maxExpressions: o.MaxExpressions, exprBudget: o.MaxExpressions,
		fsys: o.FS, dir: path.Clean(filepath.ToSlash(o.Dir)), maxSize: o.MaxSize, programs: o.programs, ownSource: o.ownSource}
	if int64(len(src)) > o.MaxSize {
		p.errorf(Pos{}, "the plan is larger than the limit of %d bytes", o.MaxSize)
		return nil, nil, p.errs
	}
	pl := p.parse()
	if pl != nil {
		pl.Files = p.readFiles()
	}
	if len(p.errs) > 0 {
		p.errs.Sort()
		p.errs = dedupe(p.errs)
		if p.stopped {
			p.errs = append(p.errs, &Error{File: p.file, Message: fmt.Sprintf("too many errors; only the first %d are reported", MaxErrors)})
		}
		return nil, p.schemaFiles(), p.errs
	}
	return pl, p.schemaFiles(), nil
}

func dedupe(l ErrorList) ErrorList {
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// parser holds the state of one Parse call.
type parser struct {
	file     string
	src      []byte
	maxSteps int
	errs     ErrorList
	// stopped is set when the plan has MaxErrors errors: parsing then
	// stops.
	stopped bool
	// exprBudget is how many more distinct expressions the plan may
	// compile, of maxExpressions; overBudget is set once it is exceeded.
	exprBudget, maxExpressions int
	overBudget                 bool
	lines                      []int // byte offset of each line start, built on demand
	// Compiled templates and expressions (bare ones and those inside
	// templates) by source: a plan repeats many (${base}, headers, asserts),
	// and compiled ones are immutable, so steps share them.
	templates   map[string]*eval.Template
	expressions map[string]*eval.Program
	// ownSource is ParseOpts.ownSource: src becomes the plan's Source.
	ownSource bool
	// programs are the expressions compiled for the other plans loaded
	// with this one, if any: an expression new to this plan is taken from
	// there when another plan compiled it (and still counts against this
	// plan's budget).
	programs *eval.Programs
	// boolChecked holds the sources of asserts already type-checked.
	boolChecked map[string]bool
	// paths are the compiled captures' JSONPaths by source; a compiled
	// path is only read, so steps share it.
	paths map[string]jp.Expr
	// fsys and dir are where the files json_schema refers to are read,
	// each at most maxSize bytes; schemas compiles them, once per plan, and
	// inlineSchemas counts the schemas written in the plan.
	fsys          fs.FS
	dir           string
	maxSize       int64
	schemas       *jsonschema.Compiler
	inlineSchemas int
	// refs are the files json_schema refers to, as paths of fsys.
	refs []string
	// read are the files the schemas read, by path of fsys.
	read map[string][]byte
}

func (p *parser) compileTemplate(s string) (*Template, error) {
	t, err := cached(&p.templates, s, func(s string) (*eval.Template, error) {
		if p.expressions == nil {
			p.expressions = map[string]*eval.Program{}
		}
		return eval.ParseTemplateCache(s, p.expressions, p.programs)
	})
	if err != nil {
		return nil, err
	}
	return &Template{t: t}, nil
}

func (p *parser) compileExpression(s string) (*Expression, error) {
	e, err := cached(&p.expressions, s, p.programs.Compile)
	if err != nil {
		return nil, err
	}
	return &Expression{p: e}, nil
}

// cached returns the value compiled from s, compiling it on the first use.
func cached[T any](m *map[string]T, s string, compile func(string) (T, error)) (T, error) {
	if v, ok := (*m)[s]; ok {
		return v, nil
	}
	v, err := compile(s)
	if err != nil {
		return v, err
	}
	if *m == nil {
		*m = map[string]T{}
	}
	(*m)[s] = v
	return v, nil
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if len(p.errs) >= MaxErrors {
		p.stopped = true
		return
	}
	p.errs.add(p.file, pos, format, args...)
}

// affords reports whether the plan may still compile upper more
// expressions, reporting the limit once when it may not. Only distinct
// expressions count: those compiled before are shared.
func (p *parser) affords(n *yaml.Node, upper int) bool {
	if upper <= p.exprBudget {
		return true
	}
	if !p.overBudget {
		p.overBudget = true
		p.errorAt(n, "the plan holds more than %d distinct expressions (${...}, assert and capture expressions), the limit", p.maxExpressions)
	}
	return false
}

// compiled takes from the budget the expressions compiled since the cache
// held before of them.
func (p *parser) compiled(before int) {
	p.exprBudget -= len(p.expressions) - before
}

func (p *parser) errorAt(n *yaml.Node, format string, args ...any) {
	p.errorf(pos(n), format, args...)
}

func pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	return Pos{Line: n.Line, Column: n.Column}
}

// yamlError turns an error of the YAML decoder into an Error.
func (p *parser) yamlError(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, m := range te.Errors {
			p.yamlMessage(m)
		}
		return
	}
	p.yamlMessage(err.Error())
}

func (p *parser) yamlMessage(msg string) {
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		num, problem, _ := strings.Cut(rest, ": ")
		if line, err := strconv.Atoi(num); err == nil && line > 0 {
			if parserProblem(problem) {
				// The YAML parser, unlike its scanner, counts lines from 0.
				line++
			}
			if at, ok := p.unquotedFlowTemplate(line); ok {
				// ${ in a flow mapping or list reads as YAML's own { and
				// fails near it; say where, and what to do.
				p.errorf(at, "invalid YAML: %s; a ${...} inside {...} or [...] must be quoted: write \"${...}\"", problem)
				return
			}
			// The decoder gives no column: the line's first.
			p.errorf(Pos{Line: line, Column: 1}, "invalid YAML: %s", problem)
			return
		}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	at := Pos{Line: 1, Column: 1}
	if strings.Contains(msg, "UTF-8") {
		// The decoder says what, not where: the first byte that is not
		// UTF-8 is where.
		if off, ok := invalidUTF8(p.src); ok {
			p.errorf(p.posOf(off), "invalid UTF-8 (byte 0x%02x); a plan is UTF-8 text", p.src[off])
			return
		}
	}
	if rest, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// The decoder does not say where; the first use is a good guess.
		name := strings.TrimSuffix(rest, "' referenced")
		if i := bytes.Index(p.src, []byte("*"+name)); i >= 0 && name != "" {
			at = p.posOf(i)
		}
	}
	if strings.Contains(msg, "did not find expected") {
		if pos, ok := p.unquotedFlowTemplate(0); ok {
			p.errorf(pos, "invalid YAML: %s; a ${...} inside {...} or [...] must be quoted: write \"${...}\"", msg)
			return
		}
	}
	p.errorf(at, "invalid YAML: %s", msg)
}

// unquotedFlowTemplate finds an unquoted ${ inside a YAML flow mapping or
// list within two lines of line (anywhere when line is 0), the likely
// cause of a syntax error there.
func (p *parser) unquotedFlowTemplate(line int) (Pos, bool) {
	depth, cur := 0, 1
	var quote byte
	best, found := Pos{}, false
	src := p.src
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			cur++
			if quote == '\'' {
				quote = 0
			}
		case quote != 0:
			if c == quote && (quote != '"' || i == 0 || src[i-1] != '\\') {
				quote = 0
			}
		case c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '"' || c == '\'':
			quote = c
		case c == '{' && i > 0 && src[i-1] == '$':
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth = max(depth-1, 0)
		case c == '$' && i+1 < len(src) && src[i+1] == '{' && depth > 0:
			if line <= 0 && !found {
				best, found = p.posOf(i), true
			} else if d := cur - line; line > 0 && d >= -2 && d <= 2 && (!found || abs(d) < abs(best.Line-line)) {
				best, found = p.posOf(i), true
			}
		}
	}
	return best, found
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// posOf returns the position of a byte offset of the source.
func (p *parser) posOf(off int) Pos {
	line := bytes.Count(p.src[:off], []byte("\n"))
	start := bytes.LastIndexByte(p.src[:off], '\n') + 1
	return Pos{Line: line + 1, Column: utf8.RuneCount(p.src[start:off]) + 1}
}

// invalidUTF8 returns the offset of the first byte of b that does not
// start a valid UTF-8 sequence.
func invalidUTF8(b []byte) (int, bool) {
	for off := 0; off < len(b); {
		r, size := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && size <= 1 {
			return off, true
		}
		off += size
	}
	return 0, false
}

// emptyDocument reports whether a YAML document holds nothing, as after a
// trailing "---".
func emptyDocument(n *yaml.Node) bool {
	if n.Kind != yaml.DocumentNode {
		return false
	}
	return len(n.Content) == 0 || len(n.Content) == 1 && isNull(n.Content[0]) && n.Content[0].Value == ""
}

// parserProblem reports whether a YAML error comes from the YAML parser
// rather than its scanner.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

func (p *parser) parse() *Plan {
	dec := yaml.NewDecoder(bytes.NewReader(p.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(Pos{Line: 1, Column: 1}, "the plan has no steps")
			return nil
		}
		p.yamlError(err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		if !emptyDocument(&next) {
			p.errorf(Pos{Line: next.Line, Column: next.Column}, "a plan file holds one YAML document; a second one starts here")
		}
	case !errors.Is(err, io.EOF):
		p.yamlError(err)
		return nil
	}
	if !p.checkAliases(&doc) {
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			p.errorf(Pos{Line: 1, Column: 1}, "the plan has no steps")
			return nil
		}
		root = root.Content[0]
	}
	root = resolve(root)
	pl := &Plan{File: p.file, Source: p.src}
	if !p.ownSource {
		pl.Source = bytes.Clone(p.src)
	}
	switch root.Kind {
	case yaml.SequenceNode:
		pl.Form = FormSeed
		pl.Steps = p.steps(root)
	case yaml.MappingNode:
		pl.Form = FormDocument
		p.document(root, pl)
	default:
		if isNull(root) {
			p.errorAt(root, "the plan has no steps")
			return nil
		}
		p.errorAt(root, "a plan must be a list of steps or a mapping with steps, got %s", describe(root))
		return nil
	}
	if pl.ID == "" && p.file != "" {
		base := filepath.Base(p.file)
		// A plan without a name (the original list form) is named after
		// its file, as reports, the API and alerts show it.
		pl.Name = strings.TrimSuffix(base, filepath.Ext(base))
		pl.ID = ID(pl.Name)
		switch {
		case pl.ID == "":
			p.errorf(Pos{Line: 1, Column: 1}, "the file name %q has no letter or digit to make an id from; give the plan a name", base)
		case len(pl.ID) > MaxIDLength:
			p.errorf(Pos{Line: 1, Column: 1}, "the file name makes an id of %d bytes, over the limit of %d; give the plan a shorter name", len(pl.ID), MaxIDLength)
		}
	}
	return pl
}

// documentKeys are the keys of the document form.
const documentKeys = "name description schedule locations alerts maintenance slo labels vars secrets depends_on options steps"

func (p *parser) document(n *yaml.Node, pl *Plan) {
	var stepsSeen bool
	var alertsAt Pos
	defer func() { p.checkAlerts(pl, alertsAt) }()
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "name":
			if s, ok := p.str(kv.value, "name"); ok {
				pl.Name = s
				pl.namePos = pos(kv.value)
				pl.ID = ID(s)
				if err := checkName(s); err != nil {
					p.errorAt(kv.value, "%v", err)
				} else if pl.ID == "" {
					p.errorAt(kv.value, "name %q has no letter or digit to make an id from", s)
				}
			}
		case "description":
			pl.Description, _ = p.str(kv.value, "description")
		case "schedule":
			if s, ok := p.str(kv.value, "schedule"); ok {
				if _, err := cronspec.Parse(s); err != nil {
					p.errorAt(kv.value, "schedule %q is not a valid cron spec: %v", s, err)
				}
				pl.Schedule = s
			}
		case "locations":
			pl.Locations = p.locations(kv.value)
		case "alerts":
			pl.Alerts, alertsAt = p.alerts(kv.value)
		case "maintenance":
			pl.Maintenance = p.maintenance(kv.value)
		case "slo":
			pl.SLO = p.slo(kv.value)
		case "labels":
			pl.Labels = p.labels(kv.value)
		case "vars":
			pl.Vars = p.vars(kv.value)
		case "secrets":
			pl.Secrets = p.secrets(kv.value)
		case "depends_on":
			pl.DependsOn, pl.dependsPos = p.dependsOn(kv.value)
		case "options":
			pl.Options = p.options(kv.value)
		case "steps":
			stepsSeen = true
			v := resolve(kv.value)
			if v.Kind != yaml.SequenceNode {
				if isNull(v) {
					p.errorAt(v, "the plan has no steps")
				} else {
					p.errorAt(v, "steps must be a list of steps, got %s", describe(v))
				}
				continue
			}
			pl.Steps = p.steps(v)
		default:
			if strings.HasPrefix(kv.key, "x-") {
				// Extension keys, for anchors shared by steps.
				continue
			}
			p.unknownKey(kv, "the plan", documentKeys)
		}
	}
	if !stepsSeen {
		p.errorAt(n, "the plan has no steps")
	}
}

func (p *parser) steps(n *yaml.Node) []Step {
	if len(n.Content) == 0 {
		p.errorAt(n, "the plan has no steps")
		return nil
	}
	if len(n.Content) > p.maxSteps {
		p.errorAt(n, "the plan has %d steps, more than the limit of %d", len(n.Content), p.maxSteps)
		return nil
	}
	steps := make([]Step, 0, len(n.Content))
	for _, s := range n.Content {
		if p.stopped {
			break
		}
		if st, ok := p.step(resolve(s)); ok {
			steps = append(steps, st)
		}
	}
	return steps
}

// labels parses a map of strings.
func (p *parser) labels(n *yaml.Node) map[string]string {
	n, ok := p.section(n, yaml.MappingNode, "labels must be a mapping of names to text")
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, kv := range p.pairs(n) {
		if kv.key == "" {
			p.errorAt(kv.keyNode, "a label name must not be empty")
			continue
		}
		v := resolve(kv.value)
		if v.Kind != yaml.ScalarNode {
			p.errorAt(v, "label %q must be text, got %s", kv.key, describe(v))
			continue
		}
		if isNull(v) {
			out[kv.key] = ""
			continue
		}
		out[kv.key] = v.Value
	}
	return out
}

func (p *parser) vars(n *yaml.Node) map[string]*Value {
	n, ok := p.section(n, yaml.MappingNode, "vars must be a mapping of names to values")
	if !ok {
		return nil
	}
	out := map[string]*Value{}
	for _, kv := range p.pairs(n) {
		if !p.identifier(kv.keyNode, kv.key, "variable") {
			continue
		}
		if v := p.value(kv.value, "var "+kv.key); v != nil {
			out[kv.key] = v
		}
	}
	return out
}

func (p *parser) secrets(n *yaml.Node) []string {
	n, ok := p.section(n, yaml.SequenceNode, "secrets must be a list of names")
	if !ok {
		return nil
	}
	return p.names(n, "secrets must be a list of names", "secret", func(item *yaml.Node) bool {
		return p.identifier(item, item.Value, "secret")
	})
}

// names reads the items of the list n, names each listed once, that ok
// accepts (it reports those it does not); must says what the list holds,
// what names an item.
func (p *parser) names(n *yaml.Node, must, what string, ok func(item *yaml.Node) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			p.errorAt(item, "%s, got %s", must, describe(item))
			continue
		}
		if !ok(item) {
			continue
		}
		if seen[item.Value] {
			p.errorAt(item, "%s %q is listed twice", what, item.Value)
			continue
		}
		seen[item.Value] = true
		out = append(out, item.Value)
	}
	return out
}

// isReserved reports whether name is a word of the expression language,
// which cannot name a variable.
func isReserved(name string) bool {
	switch name {
	case "true", "false", "nil", "and", "or", "not", "in", "matches", "contains",
		"startsWith", "endsWith", "let", "if", "else":
		return true
	}
	return false
}

// identifier reports whether name can name a variable, and adds an error
// when it cannot.
func (p *parser) identifier(n *yaml.Node, name, what string) bool {
	if !isIdentifier(name) {
		p.errorAt(n, "%s name %q must start with a letter or '_' and hold only letters, digits and '_'", what, name)
		return false
	}
	if isReserved(name) {
		p.errorAt(n, "%s name %q is a word of the expression language; pick another", what, name)
		return false
	}
	return true
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// str reads a scalar as text.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.errorAt(n, "%s must be text, got %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// template compiles a scalar as a template. what names the value in
// errors.
func (p *parser) template(n *yaml.Node, what string) *Template {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		p.errorAt(n, "%s must be a scalar value, got %s", what, describe(n))
		return nil
	}
	s := n.Value
	if isNull(n) {
		s = ""
	}
	if _, ok := p.templates[s]; !ok && !p.affords(n, strings.Count(s, "${")-strings.Count(s, "$${")) {
		return nil
	}
	defer p.compiled(len(p.expressions))
	t, err := p.compileTemplate(s)
	if err != nil {
		p.exprError(n, what, err)
		return nil
	}
	t.Pos = pos(n)
	return t
}

// expression compiles a scalar as a bare expression. A value written as
// one whole ${...} is taken as the expression inside.
func (p *parser) expression(n *yaml.Node, what string) *Expression {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.errorAt(n, "%s must be text, got %s", what, describe(n))
		return nil
	}
	src, base := n.Value, 0
	if inner, ok := wholeTemplate(src); ok {
		src, base = inner, 2
	}
	if _, ok := p.expressions[src]; !ok && !p.affords(n, 1) {
		return nil
	}
	defer p.compiled(len(p.expressions))
	e, err := p.compileExpression(src)
	if err != nil {
		var se *eval.SyntaxError
		if errors.As(err, &se) {
			err = &eval.SyntaxError{Offset: se.Offset + base, Message: se.Message}
		}
		p.exprError(n, what, err)
		return nil
	}
	e.Pos = pos(n)
	return e
}

// wholeTemplate returns the inside of s when s is written as one ${...}:
// it starts with "${", ends with "}", and is not a template of several
// parts such as "${a} and ${b}".
func wholeTemplate(s string) (string, bool) {
	if len(s) < 3 || !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	inner := s[2 : len(s)-1]
	if t, err := eval.ParseTemplate(s); err == nil {
		exprs := t.Expressions()
		if len(exprs) != 1 || exprs[0].Source() != inner {
			return "", false
		}
	}
	return inner, true
}

// exprError reports an expression that does not compile, at the position
// of the problem inside the scalar when it can be found.
func (p *parser) exprError(n *yaml.Node, what string, err error) {
	at := pos(n)
	msg := err.Error()
	var se *eval.SyntaxError
	if errors.As(err, &se) {
		at = p.offsetPos(n, se.Offset)
		msg = se.Message
	}
	p.errorf(at, "%s: invalid expression: %s", what, msg)
}

// offsetPos maps a byte offset inside a scalar's value to a position in the
// source. It can when the scalar is on one line and written as is (plain,
// or quoted without escapes before the offset); otherwise it returns the
// scalar's position.
func (p *parser) offsetPos(n *yaml.Node, off int) Pos {
	at := pos(n)
	v := n.Value
	if off < 0 || off > len(v) || strings.ContainsAny(v, "\n\r") || n.Line <= 0 {
		return at
	}
	start, ok := p.byteOffset(n.Line, n.Column)
	if !ok {
		return at
	}
	shift := 0
	switch n.Style {
	case 0:
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		shift = 1
	default:
		return at
	}
	begin := start + shift
	if begin+off > len(p.src) || !bytes.Equal(p.src[begin:begin+off], []byte(v[:off])) {
		return at
	}
	return Pos{Line: n.Line, Column: n.Column + shift + utf8.RuneCountInString(v[:off])}
}

// byteOffset returns the offset in the source of a 1-based line and a
// column counted in characters.
func (p *parser) byteOffset(line, col int) (int, bool) {
	if p.lines == nil {
		p.lines = []int{0}
		for i, c := range p.src {
			if c == '\n' {
				p.lines = append(p.lines, i+1)
			}
		}
	}
	if line < 1 || line > len(p.lines) {
		return 0, false
	}
	off := p.lines[line-1]
	for i := 1; i < col; i++ {
		if off >= len(p.src) || p.src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(p.src[off:])
		off += size
	}
	return off, true
}
