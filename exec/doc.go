// Package exec runs plans: for each step it interpolates the request, sends
// it, reads a bounded body, checks the assertions and saves the captures,
// and reports an [Execution] with a [StepResult] per step.
//
// A [Runner] is built once from a [Config] and is safe for concurrent use;
// it keeps its HTTP connections alive across steps and executions. Each
// call to [Runner.Run] runs one plan and never returns nil. An [Observer]
// sees every step result as soon as it is known.
//
// Within one execution, cookies a server sets are sent back on later steps
// (a cookie jar per execution), as Hurl and Step CI do, so a login step
// followed by authenticated steps works without copying cookies by hand.
//
// Every secret value is replaced by "[REDACTED]" wherever a result can be
// seen, and the headers Authorization, Cookie, Set-Cookie and
// Proxy-Authorization are always redacted.
package exec
