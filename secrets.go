package smokex

import (
	"context"
	"os"
	"slices"
)

// SecretSource resolves the secrets a plan declares. The values it returns
// are passed to the plan by name and redacted from every result.
type SecretSource interface {
	// Secret returns the value of name and whether it is set. An error
	// means the source could not answer (a vault that is down), not that
	// the secret is missing.
	Secret(ctx context.Context, name string) (value string, ok bool, err error)
}

// StaticSecrets is a SecretSource from a map, for tests and small hosts.
type StaticSecrets map[string]string

// Secret implements SecretSource.
func (s StaticSecrets) Secret(_ context.Context, name string) (string, bool, error) {
	v, ok := s[name]
	return v, ok, nil
}

// EnvSecrets returns a SecretSource that reads environment variables, only
// those named in allow, so that a plan cannot read the host's whole
// environment.
func EnvSecrets(allow ...string) SecretSource {
	return LookupSecrets(os.LookupEnv, allow...)
}

// LookupSecrets returns a SecretSource that asks lookup (os.LookupEnv, a
// map's lookup, a test's fake environment) for the names in allow, and for
// no others.
func LookupSecrets(lookup func(name string) (string, bool), allow ...string) SecretSource {
	return lookupSecrets{lookup: lookup, allow: slices.Clone(allow)}
}

type lookupSecrets struct {
	lookup func(string) (string, bool)
	allow  []string
}

func (l lookupSecrets) Secret(_ context.Context, name string) (string, bool, error) {
	if !slices.Contains(l.allow, name) {
		return "", false, nil
	}
	v, ok := l.lookup(name)
	return v, ok, nil
}
