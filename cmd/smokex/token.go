package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/smokex/smokex/admin"
)

func tokenCommand() command {
	return command{
		name:    "token",
		summary: "Make a new random token for serve --tokens.",
		usage:   "token [--name NAME] [--role viewer|operator|admin] [--label KEY=VALUE]...",
		more: `Prints the token, to give to whoever will use it, and the entry to add to
the tokens file of serve --tokens, which holds the token's SHA-256 only: the
token itself is kept nowhere. A viewer reads the dashboard and the API for its
plans, with the requests' and responses' bodies and headers hidden; an
operator may also run plans now, pause them and write incidents; an admin may
also edit and delete plans. With --label, the token sees only the plans that
have every one of these labels.

Examples:

  smokex token --name partner-acme --role viewer --label customer=acme
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			var name, role string
			labels := labelFlag{}
			fs.StringVar(&name, "name", "", "the token's `NAME`, which the dashboard shows (default: a random one)")
			fs.StringVar(&role, "role", string(admin.RoleViewer), "what the token may do: `ROLE` viewer, operator or admin")
			fs.Var(labels, "label", "limit the token to the plans with the label `KEY=VALUE` (repeatable)")
			return func(_ context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("token", fmt.Sprintf("unexpected argument %q", args[0]))
				}
				token := "smokex_" + rand.Text()
				if name == "" {
					name = "token-" + strings.ToLower(rand.Text()[:6])
				}
				sum := sha256.Sum256([]byte(token))
				t := admin.Token{Name: name, SHA256: hex.EncodeToString(sum[:]), Role: admin.Role(role), Labels: labels}
				if err := admin.ValidateTokens([]admin.Token{t}); err != nil {
					return a.usageError("token", strings.TrimPrefix(err.Error(), "entry 1 ("+name+"): "))
				}
				fmt.Fprintf(a.stdout, "# The token: give it to its holder; it is kept nowhere else.\n%s\n", token)
				fmt.Fprintf(a.stdout, "# The entry for the --tokens file:\n%s\n", tokenEntry(t))
				return exitOK
			}
		},
	}
}

// tokenEntry writes t as one line of YAML of a tokens file.
func tokenEntry(t admin.Token) string {
	line := fmt.Sprintf("- {name: %s, sha256: %s, role: %s", yamlScalar(t.Name), t.SHA256, t.Role)
	if len(t.Labels) > 0 {
		pairs := make([]string, 0, len(t.Labels))
		for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
			pairs = append(pairs, yamlScalar(k)+": "+yamlScalar(t.Labels[k]))
		}
		line += ", labels: {" + strings.Join(pairs, ", ") + "}"
	}
	return line + "}"
}

// plainScalar matches a string YAML reads as itself, unquoted.
var plainScalar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yamlScalar writes s as a YAML string: plain when it reads back as
// itself, else double-quoted.
func yamlScalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return strconv.Quote(s)
	}
	if plainScalar.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

// labelFlag collects the KEY=VALUE of a repeatable flag.
type labelFlag map[string]string

func (l labelFlag) String() string {
	return strings.Join(slices.Sorted(maps.Keys(l)), ",")
}

func (l labelFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not KEY=VALUE, as in customer=acme", s)
	}
	l[k] = v
	return nil
}
