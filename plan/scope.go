package plan

import (
	"slices"

	"github.com/smokex/smokex/internal/eval"
)

// ScopeType is the type of a value a name of an expression's scope holds.
type ScopeType string

// The types of the response's names.
const (
	// ScopeInteger is a whole number (a Go int or int64).
	ScopeInteger ScopeType = "integer"
	// ScopeString is text.
	ScopeString ScopeType = "string"
	// ScopeObject is a map from names to values (nil when absent, as
	// certificate over plain HTTP).
	ScopeObject ScopeType = "object"
	// ScopeAny is a value whose type depends on the response (json).
	ScopeAny ScopeType = "any"
)

// ScopeName is a name the response of a step puts in scope of its assert
// and capture expressions, where it shadows a variable of the same name.
type ScopeName struct {
	Name string
	Type ScopeType
	// Doc says what it holds.
	Doc string
}

// responseScope is the one list of the response's names: the type checker
// of asserts, Lint, its did-you-mean, and the executor read it, and a test
// of the executor checks that it sets exactly these names with these
// types.
var responseScope = [...]ScopeName{
	{"status", ScopeInteger, "the response's status code"},
	{"headers", ScopeObject, "the response's headers, each under its lower-case and its canonical name, values joined by \", \""},
	{"body", ScopeString, "the body as text"},
	{"body_size", ScopeInteger, "the body's size in bytes (len(body) counts characters)"},
	{"json", ScopeAny, "the body parsed as JSON, nil when it is not JSON"},
	{"duration", ScopeInteger, "the step's duration in milliseconds"},
	{"certificate", ScopeObject, "the server's leaf TLS certificate (not_after, expires_in_days, subject, issuer, dns_names), nil over plain HTTP"},
	{"tls", ScopeObject, "the connection's TLS (version), nil over plain HTTP"},
}

// ResponseScope returns the names an assert or capture expression reads
// from the response of its step, with their types, in a new slice.
func ResponseScope() []ScopeName { return slices.Clone(responseScope[:]) }

// ResponseNames returns the names of ResponseScope, in its order.
func ResponseNames() []string {
	out := make([]string, len(responseScope))
	for i, n := range responseScope {
		out[i] = n.Name
	}
	return out
}

// typeEnv is the response scope as the type checker of asserts sees it: a
// value of each name's type; names of any type are left out.
var typeEnv = func() eval.Env {
	zero := map[ScopeType]any{ScopeInteger: 0, ScopeString: "", ScopeObject: map[string]any{}}
	env := eval.Env{}
	for _, n := range responseScope {
		if v, ok := zero[n.Type]; ok {
			env[n.Name] = v
		}
	}
	return env
}()
