// Package redact hides secret values in what a run reports: URLs, headers,
// bodies, messages and captured values.
package redact
