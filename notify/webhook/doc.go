// Package webhook is the generic webhook notifier: it POSTs each
// notify.Event as JSON to a URL, signed with HMAC-SHA256.
//
// # The payload
//
// The body is the JSON encoding of notify.Event: id, transition
// ("failing", "still_failing", "recovered", "passed", "degraded",
// "flaky"), time, plan (id, name, labels, depends_on), execution (as the
// record package encodes it everywhere: the CLI's JSON report and the
// admin API use the same fields), duration, failed_step,
// consecutive_failures, consecutive_passes, failing_since, flaky_runs and
// flaky_of (of a flaky alert), failing_dependents (the plans that depend on
// the plan and fail with it) and links. The Smokex-Event header repeats the transition. A retried
// delivery carries the same id.
//
// # Verifying the signature
//
// With a secret, each request carries
//
//	Smokex-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// A receiver reads the raw body (before decoding it), takes t and every v1
// from the header, computes HMAC-SHA256 with the shared secret over the
// bytes of t, a ".", and the body, and compares it in constant time with
// each v1. It rejects the request when none matches, and when t is more
// than a few minutes from its own clock, so that a recorded request cannot
// be replayed later. Go receivers call Verify, which does all of this:
//
//	body, _ := io.ReadAll(r.Body)
//	if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, webhook.DefaultMaxAge); err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
//
// Answer 2xx once the event is accepted; a 429 or 5xx is retried (after
// Retry-After when given), other answers are not.
package webhook
