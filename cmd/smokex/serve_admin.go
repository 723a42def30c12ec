package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
)

// adminTokenEnv is read for the token when --auth-token is not given, which
// keeps it out of the command line.
const adminTokenEnv = "SMOKEX_ADMIN_TOKEN"

// adminFlags are serve's flags of the dashboard and the API.
type adminFlags struct {
	allowRun  bool
	allowEdit bool
	authToken string
	// baseURL is where users reach the dashboard, for links in alerts;
	// empty when not given.
	baseURL string
	// storePlans is true when serve was given no PATH: the plans live in
	// the store and are edited through the API.
	storePlans bool
}

func (f *adminFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.allowRun, "allow-run", false, "let the API and the dashboard run plans now")
	fs.BoolVar(&f.allowEdit, "allow-edit", false, "let the API and the dashboard create, change and delete the plans that do not come from a PATH")
	fs.StringVar(&f.authToken, "auth-token", "", "require `TOKEN` of every request, as Authorization: Bearer TOKEN or through the login page's cookie (default $"+adminTokenEnv+")")
	fs.StringVar(&f.baseURL, "base-url", "", "the dashboard's address `URL` as users reach it, such as https://smoke.example.com/, for the links in alerts (default: the --addr URL)")
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
	return nil
}

// handler is the admin handler of eng, with the switches of the flags.
func (f *adminFlags) handler(eng *smokex.Engine) http.Handler {
	return admin.New(eng, &admin.Config{
		AllowRun:    f.allowRun,
		AllowEdit:   f.allowEdit,
		AllowDelete: f.allowEdit,
	})
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
	if f.storePlans && plans == 0 && !f.allowEdit {
		fmt.Fprintln(w, "smokex serve: no plans: give a PATH, or --allow-edit to create plans in the dashboard")
	}
}
