// Package planvalue reads the values of plan options and status codes as
// the plan format writes them. The parser uses it for literals and the
// executor for the values of ${...} templates, so that both read a value
// the same way; it is internal because no one else needs it.
package planvalue
