package plan

import (
	"slices"
	"time"

	"github.com/ohler55/ojg/jp"

	"github.com/smokex/smokex/internal/eval"
)

// Env holds the variables an expression can see when a step runs.
type Env = map[string]any

// Form tells which of the two plan forms a file was written in.
type Form string

const (
	// FormSeed is the original Smokex form: a bare YAML list of steps.
	FormSeed Form = "seed"
	// FormDocument is a mapping with name, schedule, vars, options and steps.
	FormDocument Form = "document"
)

// Plan is a parsed, validated plan. Its expressions are compiled; a Plan is
// safe to run from several goroutines at once and must not be modified after
// Parse returns it.
type Plan struct {
	// ID is id-safe (lower-case letters, digits, '-', '_' and '.'), derived
	// from Name, or from the file name when the plan has no name (see ID);
	// empty for a plan parsed from bytes with neither.
	ID string
	// Name is the plan's name as written, or for a plan without one (the
	// original list form) its file name without the extension; empty for
	// a plan parsed from bytes with neither.
	Name        string
	Description string
	// Schedule is a cron spec, empty when the plan runs only on demand.
	// "@every d" runs at a point of each interval derived from the plan's
	// ID (package schedule).
	Schedule string
	// Locations are the locations each tick of the plan runs from, once in
	// each, by a process of that location (key locations); nil: once,
	// anywhere. Each is a location name (CheckLocation).
	Locations []string
	// Alerts are the plan's own alert rules (key alerts).
	Alerts Alerts
	// Maintenance are the plan's maintenance windows (key maintenance).
	Maintenance []MaintenanceWindow
	// SLO is the plan's service level objective (key slo), nil when it
	// states none.
	SLO    *SLO
	Labels map[string]string
	// Vars are the plan's variables; their values may hold ${...}.
	Vars map[string]*Value
	// Secrets names the values the plan expects from the secret source.
	Secrets []string
	// DependsOn are the IDs of the plans this plan depends on
	// (depends_on), in the order written: while one of them is failing,
	// the alert policy holds back this plan's failing alert. Parse checks
	// each entry alone; CheckDependencies checks them against the other
	// plans (an unknown plan, a cycle).
	DependsOn []string
	// Options are the defaults for every step.
	Options Options
	Steps   []Step
	// Form is the form the plan was written in.
	Form Form
	// File is the path or name the plan was loaded from, if any.
	File string
	// Source is the YAML as it was loaded.
	Source []byte
	// Files are the files its json_schema assertions read (a document
	// they refer to, and those it refers to in turn), by their path
	// relative to the plan's directory ("openapi.yaml",
	// "../shared/item.json"), byte for byte; nil when they read none.
	// With them, ParseOpts.Files parses the plan again without its folder.
	Files map[string][]byte

	namePos    Pos   // where name is written, for errors about the id
	dependsPos []Pos // where each entry of DependsOn is written
}

// Step is one HTTP request of a plan with its assertions and captures.
type Step struct {
	// Name as written; empty when the plan did not name the step (reports
	// then show "METHOD URL").
	Name string
	// Method is upper-case: GET, POST, ...
	Method   string
	URL      *Template
	Query    []Param
	Headers  []Param
	Body     *Value // nil when the step sends no body
	Form     []Param
	Expect   Expect
	Captures []Capture
	Options  Options
	Pos      Pos
	// urlKey is the key the plan wrote the URL under: host or url.
	urlKey string
}

// Param is a named value of a query string, a header list or a form. A query
// parameter may repeat, so a Param holds one or more values.
type Param struct {
	Name   string
	Values []*Template
	Pos    Pos
}

// Expect holds a step's assertions.
type Expect struct {
	// Status is nil when the plan sets no status_code: then any 2xx passes.
	Status  *StatusExpect
	Headers []HeaderExpect
	// JSON is the structure the body must contain, nil when not asserted.
	JSON *Value
	// String is text the body must contain, nil when not asserted.
	String *Template
	// Text are predicates on the body as text (expect string as a
	// mapping: contains, matches, length...).
	Text []Predicate
	// JSONPath are predicates on values at JSON paths of the body.
	JSONPath []PathExpect
	// BodySize are predicates on the body's size in bytes.
	BodySize []Predicate
	// JSONSchema is the schema the JSON body must be valid against, nil
	// when not asserted.
	JSONSchema *Schema
	HTML       []HTMLExpect
	Assert     []*Expression
	// Certificate asserts on the server's TLS certificate; nil when not
	// asserted. Only an https step has one.
	Certificate *CertificateExpect
}

// StatusExpect is the expected status: a list of codes and classes, or a
// template resolved when the step runs.
type StatusExpect struct {
	// Codes are exact status codes.
	Codes []int
	// Classes are hundreds: 2 for "2xx".
	Classes []int
	// Expr, when not nil, is resolved at run time to a code, a list of codes
	// or a class; Codes and Classes are then empty.
	Expr *Template
	Pos  Pos
}

// HeaderExpect asserts that a response header equals a value (Value, the
// original form) or passes Predicates.
type HeaderExpect struct {
	Name       string
	Value      *Template
	Predicates []Predicate
	Pos        Pos
}

// HTMLExpect asserts that the trimmed text of the first element, in
// document order, that a CSS selector matches equals a value.
type HTMLExpect struct {
	// Path is the CSS selector.
	Path  string
	Equal *Template
	Pos   Pos
}

// Capture saves a value from a response into a variable. Exactly one of
// JSONPath, Header and Expression is set.
type Capture struct {
	Variable string
	// JSONPath is the path as written; Path is its compiled form.
	JSONPath   string
	Path       jp.Expr
	Header     string
	Expression *Expression
	// Redact makes the captured value a secret from then on (redact:
	// true, as in Hurl): masked wherever secrets are, in every result,
	// report, stored row and alert. A value captured from a sensitive
	// header (Set-Cookie, Authorization, Cookie, Proxy-Authorization) is
	// one without it.
	Redact bool
	Pos    Pos
}

// Options are per-step settings. A plan's Options are the defaults for its
// steps; a step's Options override them field by field.
type Options struct {
	Timeout         Setting[time.Duration]
	Retries         Setting[int]
	FollowRedirects Setting[bool]
	Insecure        Setting[bool]
	Debug           Setting[bool]
	HaltOnError     Setting[bool]
	// Poll repeats the step until its expectations pass; a zero For (or
	// poll: false) is off.
	Poll Setting[Poll]
	// DegradedAfter marks a step that passed but whose response took
	// longer as degraded (and its execution, when no step failed). Off
	// when unset.
	DegradedAfter Setting[time.Duration]
	// MaxDuration fails a step whose response took longer, with a
	// duration failure. Off when unset.
	MaxDuration Setting[time.Duration]
}

// Poll is the poll option: send the step again every Every until its
// expectations pass, for at most For after its first request.
type Poll struct {
	Every time.Duration
	For   time.Duration
}

// Defaults of the options, the original Smokex's.
const (
	DefaultTimeout         = 5000 * time.Millisecond
	DefaultRetries         = 0
	DefaultFollowRedirects = false
	DefaultInsecure        = false
	DefaultDebug           = false
	DefaultHaltOnError     = true
	// DefaultPollEvery is the wait between the attempts of a poll that
	// gives no every.
	DefaultPollEvery = time.Second
	// MinPollEvery is the shortest every a poll takes: a shorter one is a
	// plan error (and an error of --poll), so that a poll sends at most
	// 100 requests a second.
	MinPollEvery = 10 * time.Millisecond
	// MaxRedirects is how many redirects follow_redirects follows.
	MaxRedirects = 10
)

// Setting is an option value: unset, a literal, or a template resolved when
// the step runs (timeout: ${T}).
type Setting[T any] struct {
	// Set is false when the plan does not give the option.
	Set bool
	// Value is the literal value, when Expr is nil.
	Value T
	// Expr is the template when the value holds ${...}.
	Expr *Template
	Pos  Pos
}

// Or returns s when it is set and def otherwise: a step's setting over its
// plan's.
func (s Setting[T]) Or(def Setting[T]) Setting[T] {
	if s.Set {
		return s
	}
	return def
}

// Merge returns o with every unset field taken from def.
func (o Options) Merge(def Options) Options {
	return Options{
		Timeout:         o.Timeout.Or(def.Timeout),
		Retries:         o.Retries.Or(def.Retries),
		FollowRedirects: o.FollowRedirects.Or(def.FollowRedirects),
		Insecure:        o.Insecure.Or(def.Insecure),
		Debug:           o.Debug.Or(def.Debug),
		HaltOnError:     o.HaltOnError.Or(def.HaltOnError),
		Poll:            o.Poll.Or(def.Poll),
		DegradedAfter:   o.DegradedAfter.Or(def.DegradedAfter),
		MaxDuration:     o.MaxDuration.Or(def.MaxDuration),
	}
}

// Pos is a position in a plan's source, 1-based. Zero when unknown.
type Pos struct {
	Line   int
	Column int
}

// Template is a string that may hold ${...} expressions, compiled at load.
type Template struct {
	t   *eval.Template
	Pos Pos
}

// NewTemplate compiles s. Errors carry no position; Parse adds it.
func NewTemplate(s string) (*Template, error) {
	t, err := eval.ParseTemplate(s)
	if err != nil {
		return nil, err
	}
	return &Template{t: t}, nil
}

// Raw returns the template as written.
func (t *Template) Raw() string { return t.t.Raw() }

// String returns the template as written.
func (t *Template) String() string { return t.t.Raw() }

// Literal returns the text and true when the template holds no expression.
func (t *Template) Literal() (string, bool) { return t.t.Literal() }

// Names returns the variable names the template reads, sorted.
func (t *Template) Names() []string { return t.t.Names() }

// Eval evaluates the template in env. A template that is exactly one ${...}
// keeps the type of its result; otherwise the result is a string. A name env
// does not hold fails with an error that names it.
func (t *Template) Eval(env Env) (any, error) { return t.t.Eval(env) }

// EvalString evaluates the template and formats the result as text.
func (t *Template) EvalString(env Env) (string, error) { return t.t.EvalString(env) }

// EvalParts is Eval telling fn, when not nil, of each ${...} (or bare
// expression) it runs: the names it reads and its result, so that a caller
// can tell which values derive from which names. The executor treats a
// value computed from a secret as a secret.
func (t *Template) EvalParts(env Env, fn func(names []string, v any)) (any, error) {
	return t.t.EvalParts(env, fn)
}

// Expression is a bare expression (assert, capture expression), compiled at
// load.
type Expression struct {
	p   *eval.Program
	Pos Pos
}

// NewExpression compiles src. Errors carry no position; Parse adds it.
func NewExpression(src string) (*Expression, error) {
	p, err := eval.Compile(src)
	if err != nil {
		return nil, err
	}
	return &Expression{p: p}, nil
}

// String returns the expression as written.
func (e *Expression) String() string { return e.p.Source() }

// Names returns the variable names the expression reads, sorted.
func (e *Expression) Names() []string { return e.p.Names() }

// Eval evaluates the expression in env. A name env does not hold fails with
// an error that names it.
func (e *Expression) Eval(env Env) (any, error) { return e.p.Run(env) }

// EvalParts is Eval telling fn, when not nil, of the names it read and the
// result.
func (e *Expression) EvalParts(env Env, fn func(names []string, v any)) (any, error) {
	return e.p.RunParts(env, fn)
}

// MaxExpressionDepth is how deeply one expression may nest (brackets,
// operators such as ! and -, member access, ** and conditionals). A deeper
// one is a plan error at the token past the bound, found before the
// expression is parsed, so that no plan can exhaust the parser's stack.
const MaxExpressionDepth = eval.MaxExpressionDepth

// ValueKind is the kind of a Value.
type ValueKind int

// The kinds of a Value.
const (
	KindNull ValueKind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindList
	KindMap
)

// Value is a YAML value of a plan (a body, a var, an expected JSON
// structure) whose strings may hold ${...}.
type Value struct {
	Kind  ValueKind
	Bool  bool
	Int   int64
	Float float64
	// Str is set for KindString.
	Str *Template
	// List is set for KindList.
	List []*Value
	// Map is set for KindMap, in the order of the source.
	Map []Field
	Pos Pos
}

// Field is one key of a mapping Value.
type Field struct {
	Key   string
	Value *Value
}

// Eval builds the value with every template evaluated in env: nil, bool,
// int64, float64, string (or the type of a whole-value ${...}), []any and
// map[string]any.
func (v *Value) Eval(env Env) (any, error) { return v.EvalParts(env, nil) }

// EvalParts is Eval telling fn, when not nil, of each ${...}'s result.
func (v *Value) EvalParts(env Env, fn func(names []string, v any)) (any, error) {
	switch v.Kind {
	case KindBool:
		return v.Bool, nil
	case KindInt:
		return v.Int, nil
	case KindFloat:
		return v.Float, nil
	case KindString:
		return v.Str.EvalParts(env, fn)
	case KindList:
		out := make([]any, len(v.List))
		for i, item := range v.List {
			x, err := item.EvalParts(env, fn)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case KindMap:
		out := make(map[string]any, len(v.Map))
		for _, f := range v.Map {
			x, err := f.Value.EvalParts(env, fn)
			if err != nil {
				return nil, err
			}
			out[f.Key] = x
		}
		return out, nil
	}
	return nil, nil
}

// Names returns the variable names the value's templates read, sorted and
// without repeats.
func (v *Value) Names() []string {
	seen := map[string]bool{}
	var out []string
	v.walk(func(t *Template) {
		for _, n := range t.Names() {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	})
	slices.Sort(out)
	return out
}

func (v *Value) walk(fn func(*Template)) {
	switch v.Kind {
	case KindString:
		fn(v.Str)
	case KindList:
		for _, item := range v.List {
			item.walk(fn)
		}
	case KindMap:
		for _, f := range v.Map {
			f.Value.walk(fn)
		}
	}
}
