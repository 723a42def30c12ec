// Package exec runs plans: for each step it interpolates the request, sends
// it, reads a bounded body, checks the assertions and saves the captures,
// and reports a [record.Execution] with a [record.StepResult] per step.
//
// A [Runner] is built once from a [Config] and is safe for concurrent use;
// it keeps its HTTP connections alive across steps and executions. Each
// call to [Runner.Run] runs one plan and never returns nil. The observer
// of [RunOpts.Observer] sees every step result as soon as it is known,
// through the record hook interfaces it implements, as the engine's hooks
// do. For tracing, an observer that is a record.StepHook wraps each step
// (its span), and [Config.WrapTransport] wraps the transport every request
// goes through with that context (a client span, the traceparent header).
//
// # Variables
//
// A ${...} reads names in this order: variables captured by earlier steps,
// the caller's [RunOpts.Vars], the plan's vars (whose own templates are
// evaluated once, at the start, over the caller's vars, the secrets and the
// environment), [RunOpts.Secrets], and environment variables through
// [RunOpts.LookupEnv] when the caller gives it, and last `location`
// ([plan.LocationVar]), the execution's Location ("" when it has none). A
// name found nowhere fails
// the step with kind interpolation, naming it, at the line and column of
// the value that holds the ${...} ([record.StepError] Line, Column). In assert and capture
// expressions the response is in scope too: status, headers (under
// lower-case and canonical names), body, json (nil when the body is not
// JSON) and duration (milliseconds); they shadow variables of the same
// names there.
//
// # Steps
//
// Every assertion of a step is checked and each failure reported; a request
// that cannot complete is reported as a [record.StepError] with a kind instead. A
// step with retries is sent again on connection failures (dns, connect, a
// connection reset or closed before the response) and timeouts, after the
// waits of [RetryPolicy]; a response is never retried, whatever its status.
// When a step fails and halt_on_error is on (the default), the remaining
// steps are reported as skipped and the execution fails with stop reason
// halted_on_error (docs/statuses.md).
//
// Within one execution, cookies a server sets are sent back on later steps
// (a cookie jar per execution), as Hurl and Step CI do, so that a login
// step followed by authenticated steps works without copying cookies by
// hand.
//
// # What a result keeps
//
// A response body is read up to [Config.MaxBodySize] after decompression
// (a gzip bomb fails with too_large). A result keeps the whole body only
// with the debug option; otherwise a failed step keeps its first
// [ExcerptSize] bytes and a passed step none, so that long plans stay
// small. The request body is kept only with debug.
//
// Every secret value is replaced by "[REDACTED]" wherever a result can be
// seen (URL, headers, bodies, messages, failures, captures), and the
// headers Authorization, Cookie, Set-Cookie and Proxy-Authorization are
// always masked. Secrets are the values of [RunOpts.Secrets], those of the
// names the plan lists under secrets that come from the environment, and
// any value a step captures from one of those always-masked headers, the
// values a step sends in them, a password in a URL, and every text a
// ${...} computes from a secret (base64(TOKEN), upper(TOKEN)), including
// vars and captures computed from one. A secret shorter than
// redact.MinLength (4 bytes) is masked only where it stands whole, and the
// Runner logs a warning once per plan and secret. The plan format's docs
// list the forms masked.
//
// A redirect keeps the Authorization and Cookie headers a step sets only
// to the origin (scheme, host, port) they were given for, as curl does:
// net/http drops them on a change of host, smokex also on a change of
// scheme or port. A redirect to a URL that is not http or https fails the
// step with kind redirects.
package exec
