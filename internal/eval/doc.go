// Package eval compiles and runs the expressions of a plan: the ${...}
// templates that may stand in any string value, and the bare expressions of
// assert and capture entries. Everything is compiled once, when a plan is
// loaded; running a compiled program is safe for concurrent use.
//
// Expressions are in the expr language (github.com/expr-lang/expr) with the
// functions listed in [Functions] added.
package eval
