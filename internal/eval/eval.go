package eval

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Env holds the names an expression can see.
type Env = map[string]any

// MaxExpressionNodes bounds the size of one compiled expression, so that a
// hostile plan cannot make the compiler or the VM work without limit.
const MaxExpressionNodes = 10000

// UndefinedError reports a name that an expression uses and the environment
// does not define.
type UndefinedError struct {
	Name string
}

// Error says which name is undefined.
func (e *UndefinedError) Error() string {
	return fmt.Sprintf("undefined variable %q", e.Name)
}

// SyntaxError reports an expression that does not compile. Offset is the
// byte offset of the problem in the source handed to Compile or
// ParseTemplate, so that a caller can turn it into a line and column.
type SyntaxError struct {
	Offset  int
	Message string
}

// Error returns the compiler's message.
func (e *SyntaxError) Error() string { return e.Message }

// Program is one compiled expression.
type Program struct {
	source string
	prog   *vm.Program
	names  []string
	// ident is the name a program that only reads one variable (${base})
	// reads; Run then looks it up without starting the VM.
	ident string
}

// Compile compiles an expression.
func Compile(source string) (*Program, error) {
	return compile(source, 0)
}

func compile(source string, base int) (*Program, error) {
	if strings.TrimSpace(source) == "" {
		return nil, &SyntaxError{Offset: base, Message: "empty expression"}
	}
	if err := checkDepth(source, base); err != nil {
		return nil, err
	}
	opts := append(functionOptions(), expr.MaxNodes(MaxExpressionNodes), expr.DisableBuiltin(shadowedBuiltin))
	prog, err := expr.Compile(source, opts...)
	if err != nil {
		return nil, syntaxError(err, source, base)
	}
	p := &Program{source: source, prog: prog, names: freeNames(prog.Node())}
	if id, ok := prog.Node().(*ast.IdentifierNode); ok && len(p.names) == 1 && p.names[0] == id.Value {
		p.ident = id.Value
	}
	return p, nil
}

func syntaxError(err error, source string, base int) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &SyntaxError{Offset: base, Message: err.Error()}
	}
	// Location.From counts runes; turn it into a byte offset.
	return &SyntaxError{Offset: base + byteOffset(source, fe.From), Message: fe.Message}
}

// Source returns the expression as written.
func (p *Program) Source() string { return p.source }

// Names returns the variable names the expression reads, sorted, without
// function names and names it declares itself.
func (p *Program) Names() []string { return p.names }

// Run evaluates the expression in env. A name the expression reads that env
// does not hold fails with an *UndefinedError.
func (p *Program) Run(env Env) (any, error) {
	if p.ident != "" {
		v, ok := env[p.ident]
		if !ok {
			return nil, &UndefinedError{Name: p.ident}
		}
		return v, nil
	}
	for _, n := range p.names {
		if _, ok := env[n]; !ok {
			return nil, &UndefinedError{Name: n}
		}
	}
	out, err := vm.Run(p.prog, env)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, errors.New(fe.Message)
		}
		return nil, err
	}
	return out, nil
}

// RunParts is Run telling fn, when not nil, of the result.
func (p *Program) RunParts(env Env, fn PartFunc) (any, error) {
	v, err := p.Run(env)
	if err == nil && fn != nil {
		fn(p.names, v)
	}
	return v, err
}

// freeNames lists the identifiers an expression reads from its environment:
// every identifier less function names and names declared with let.
func freeNames(root ast.Node) []string {
	c := &nameCollector{declared: map[string]bool{}, used: map[string]bool{}}
	ast.Walk(&root, c)
	names := make([]string, 0, len(c.used))
	for n := range c.used {
		if !c.declared[n] && !isFunction(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

type nameCollector struct {
	declared map[string]bool
	used     map[string]bool
}

func (c *nameCollector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.VariableDeclaratorNode:
		c.declared[n.Name] = true
	case *ast.IdentifierNode:
		c.used[n.Value] = true
	}
}

// shadowedBuiltin is the expr built-in that a step's response shadows: in
// assert and capture expressions, duration is the response time in
// milliseconds, not the built-in that parses "1h".
const shadowedBuiltin = "duration"

func isFunction(name string) bool {
	if name == shadowedBuiltin {
		return false
	}
	if _, ok := functions[name]; ok {
		return true
	}
	return slices.Contains(builtin.Names, name) || name == "$env"
}
