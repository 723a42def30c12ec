//go:build !slim

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
)

// adminTokenEnv is read for the token when --auth-token is not given, which
// keeps it out of the command line.
const adminTokenEnv = "SMOKEX_ADMIN_TOKEN"

// adminFlags are serve's flags of the dashboard and the API.
type adminFlags struct {
	allowRun bool
	// allowIncidents lets the API and the dashboard write incidents.
	allowIncidents bool
	allowEdit      bool
	authToken      string
	// tokensFile is --tokens; tokens are its entries, read by check.
	tokensFile string
	tokens     []admin.Token
	// baseURL is where users reach the dashboard, for links in alerts;
	// empty when not given.
	baseURL string
	// allowedHosts are the names, besides the loopback ones, IP addresses
	// and those of --addr and --base-url, that requests may name in their
	// Host header.
	allowedHosts hostsFlag
	// storePlans is true when serve was given no PATH: the plans live in
	// the store and are edited through the API.
	storePlans bool
	// statusPagesFile is the --status-pages file; statusPages what it
	// holds, read by check.
	statusPagesFile string
	statusPages     []admin.StatusPage
	// sync is --sync's "sync now", nil without --sync.
	sync func(context.Context) error
}

func (f *adminFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.allowRun, "allow-run", false, "let the API and the dashboard run plans now and pause their alerts")
	fs.BoolVar(&f.allowIncidents, "allow-incidents", false, "let the API and the dashboard write incidents, shown on the status pages")
	fs.BoolVar(&f.allowEdit, "allow-edit", false, "let the API and the dashboard create, change and delete the plans that do not come from a PATH")
	fs.StringVar(&f.authToken, "auth-token", "", "require `TOKEN` of every request, as Authorization: Bearer TOKEN or through the login page's cookie (default $"+adminTokenEnv+")")
	fs.StringVar(&f.tokensFile, "tokens", "", "also accept the tokens of the YAML `FILE`, each with a name, its sha256, a role (viewer, operator or admin) and optionally labels that limit it to the plans that have them (smokex token makes one)")
	fs.Var(&f.allowedHosts, "allowed-hosts", "also answer requests for the host `NAMES`, comma-separated (repeatable; .example.com for a domain and the names under it); besides them serve answers only localhost, IP addresses and the hosts of --addr and --base-url, which shuts out DNS rebinding")
	fs.StringVar(&f.statusPagesFile, "status-pages", "", "serve the public status pages of the YAML `FILE` at /s/<slug>, without a token even with --auth-token")
	fs.StringVar(&f.baseURL, "base-url", "", "the dashboard's address `URL` as users reach it, such as https://smoke.example.com/, for the links in alerts (default: the --addr URL; an --addr on every interface, such as :8080, needs it)")
}

// readEnv takes the token from the environment when the flag is not given.
func (f *adminFlags) readEnv(lookupEnv func(string) (string, bool)) {
	if f.authToken == "" {
		if v, ok := lookupEnv(adminTokenEnv); ok {
			f.authToken = v
		}
	}
}

// check reports a flag value that cannot work.
func (f *adminFlags) check() error {
	if f.baseURL != "" {
		u, err := url.Parse(f.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url must be an absolute http or https URL, not %q", f.baseURL)
		}
		if !strings.HasSuffix(f.baseURL, "/") {
			f.baseURL += "/"
		}
	}
	if strings.ContainsAny(f.authToken, " \t\r\n") {
		return errors.New("--auth-token must not contain spaces")
	}
	if f.tokensFile != "" {
		data, err := os.ReadFile(f.tokensFile)
		if err != nil {
			return fmt.Errorf("--tokens: %w", err)
		}
		if f.tokens, err = admin.ParseTokens(data); err != nil {
			return fmt.Errorf("--tokens %s: %w", f.tokensFile, err)
		}
	}
	if f.statusPagesFile != "" {
		data, err := os.ReadFile(f.statusPagesFile)
		if err != nil {
			return fmt.Errorf("--status-pages: %w", err)
		}
		if f.statusPages, err = admin.ParseStatusPages(data); err != nil {
			return fmt.Errorf("--status-pages %s: %w", f.statusPagesFile, err)
		}
	}
	return nil
}

// checkStatusPages checks the --status-pages against the plans that
// loaded: a plan they name that is not there, or a group no plan is in,
// is an error naming them.
func (f *adminFlags) checkStatusPages(plans []*plan.Plan) error {
	if err := admin.CheckStatusPages(f.statusPages, plans); err != nil {
		return fmt.Errorf("--status-pages %s: %w", f.statusPagesFile, err)
	}
	return nil
}

// hostsFlag collects the names of a comma-separated, repeatable flag.
type hostsFlag []string

func (h *hostsFlag) String() string {
	if h == nil {
		return ""
	}
	return strings.Join(*h, ",")
}

func (h *hostsFlag) Set(s string) error {
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsAny(name, "/@ \t") || strings.Contains(name, "://") {
			return fmt.Errorf("%q is not a host name: give names such as smoke.example.com or .example.com, comma-separated", name)
		}
		*h = append(*h, name)
	}
	return nil
}

// withHostCheck wraps everything serve answers on addr in the check of the
// Host header (admin.HostCheck): the names of --allowed-hosts, --base-url
// and addr are allowed with the loopback names and IP addresses.
func (f *adminFlags) withHostCheck(addr string, h http.Handler) http.Handler {
	hosts := slices.Clone([]string(f.allowedHosts))
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		hosts = append(hosts, host)
	}
	if u, err := url.Parse(f.baseURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	return admin.HostCheck(h, hosts, "start serve with --allowed-hosts NAME (or a --base-url on that host) to allow it")
}

// handler is the admin handler of eng, with the switches of the flags.
func (f *adminFlags) handler(eng *smokex.Engine) http.Handler {
	return admin.New(eng, &admin.Config{
		AllowRun:       f.allowRun,
		AllowEdit:      f.allowEdit,
		AllowDelete:    f.allowEdit,
		StatusPages:    f.statusPages,
		AllowIncidents: f.allowIncidents,
		Sync:           f.sync,
	})
}

// addrURL is the --addr URL, which links in alerts use when --base-url is
// not given; "" with the reason when addr is no address to link to: one
// that listens on every interface (":8080", "0.0.0.0:8080", "[::]:8080")
// or on a port picked at start.
func addrURL(addr string) (base, why string) {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case err != nil:
		return "", fmt.Sprintf("--addr %q is not host:port", addr)
	case port == "0":
		return "", "--addr " + addr + " listens on a port picked at start"
	case host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified():
		return "", "--addr " + addr + " listens on every interface, which is no address to link to"
	}
	return "http://" + net.JoinHostPort(host, port) + "/", ""
}

// dashboardURL is the dashboard's address: --base-url, else the
// listener's.
func (f *adminFlags) dashboardURL(listening string) string {
	if f.baseURL != "" {
		return f.baseURL
	}
	return listening
}

// executionURL is the address of an execution's page, for the links in
// alerts; empty without --base-url.
func (f *adminFlags) executionURL(id string) string {
	if f.baseURL == "" {
		return ""
	}
	return f.baseURL + "executions/" + url.PathEscape(id)
}

// planURL is the address of a plan's page, for the links in alerts; empty
// without --base-url.
func (f *adminFlags) planURL(id string) string {
	if f.baseURL == "" {
		return ""
	}
	return f.baseURL + "plans/" + url.PathEscape(id)
}

// printDashboard tells where the dashboard is.
func (f *adminFlags) printDashboard(w io.Writer, listening string, plans int) {
	fmt.Fprintf(w, "smokex serve: dashboard at %s\n", f.dashboardURL(listening))
	for _, p := range f.statusPages {
		fmt.Fprintf(w, "smokex serve: status page %s at %ss/%s\n", p.Slug, f.dashboardURL(listening), p.Slug)
	}
	if f.storePlans && plans == 0 && !f.allowEdit {
		fmt.Fprintln(w, "smokex serve: no plans: give a PATH, or --allow-edit to create plans in the dashboard")
	}
}
