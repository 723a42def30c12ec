package eval

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
)

// TypeError reports an expression whose result cannot be of the type its
// place needs, found before it runs.
type TypeError struct {
	// Want and Got name the types: "bool", "int", "string".
	Want, Got string
}

// Error says what the expression gives.
func (e *TypeError) Error() string {
	return fmt.Sprintf("gives %s, not %s", e.Got, e.Want)
}

// CheckBool type-checks source as an expression that must give a boolean,
// with the names of scope typed as their values are and every other name
// of unknown type (leave out a name whose type is not known: a nil value
// is of no type). It returns a *TypeError when the result is of a known
// type that is not bool, a *SyntaxError when an operation cannot apply to
// the types (a field of an int), and nil when the expression may give a
// boolean, which it checks only when it runs.
func CheckBool(source string, scope Env) error {
	opts := append(functionOptions(),
		expr.Env(scope), expr.AllowUndefinedVariables(),
		expr.MaxNodes(MaxExpressionNodes), expr.DisableBuiltin(shadowedBuiltin))
	prog, err := expr.Compile(source, opts...)
	if err != nil {
		return syntaxError(err, source, 0)
	}
	t := prog.Node().Type()
	if t == nil || t.Kind() == reflect.Interface || t.Kind() == reflect.Bool {
		return nil
	}
	return &TypeError{Want: "bool", Got: typeName(t)}
}

// typeName names t as a plan's author knows it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Map:
		return "a map"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return t.String()
}
