package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/browsertest"
	"github.com/smokex/smokex/internal/demoapi"
)

// TestServeExamplePlansInBrowser is a new user's first try: serve the
// example plans, open the printed URL in a browser, see the plans, run one
// and watch it finish without a reload.
func TestServeExamplePlansInBrowser(t *testing.T) {
	demo := httptest.NewServer(demoapi.New())
	t.Cleanup(demo.Close)
	s := startServe(t, map[string]string{"DEMO_PASSWORD": "secret"},
		"--var", "base="+demo.URL, "--secret", "DEMO_PASSWORD", "--allow-run", "../../examples/plans")
	url := s.dashboardURL(t)

	b := browsertest.New(t)
	b.Navigate(url)
	for _, id := range []string{"success", "failure", "failed_expectation", "keep-going", "login-flow", "requests", "save_from_response"} {
		b.WaitText(`tr[data-plan-row="`+id+`"]`, id)
	}
	b.WaitText("#live-status", "Live")
	b.Shoot("serve-overview")

	b.Click(`tr[data-plan-row="success"] th a`)
	b.WaitText("h1", "success")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded = true`))
	b.WaitText("#live-status", "Live")
	b.Click(`button[data-run="success"]`)
	b.WaitText("#executions tbody", "passed")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded === true`), "the page was not reloaded")

	// Back on the overview, a run started elsewhere shows live.
	b.Navigate(url)
	b.WaitText(`tr[data-plan-row="success"] .status`, "passed")
	b.WaitText("#live-status", "Live")
	b.Click(`tr[data-plan-row="failure"] th a`)
	b.WaitText("h1", "failure")
	b.WaitText("#live-status", "Live")
	b.Click(`button[data-run="failure"]`)
	b.WaitText("#executions tbody", "failed")
	b.Click(`#executions tbody a`)
	b.WaitText(".step .error .kind", "connect")
	b.Shoot("serve-execution")
	require.Equal(t, exitOK, s.stop(t))
}

// TestServeLoginInBrowser opens the dashboard of a serve with --auth-token
// in a browser, which sends no bearer header: the page asks for the token,
// a wrong one is refused, the right one opens the dashboard where the
// plans are live, and scripts cannot read the cookie.
func TestServeLoginInBrowser(t *testing.T) {
	demo := httptest.NewServer(demoapi.New())
	t.Cleanup(demo.Close)
	s := startServe(t, map[string]string{"SMOKEX_ADMIN_TOKEN": "s3cret-t0ken"},
		"--var", "base="+demo.URL, "--allow-run", "../../examples/plans/success.yaml", "../../examples/plans/failure.yaml")
	url := s.dashboardURL(t)

	b := browsertest.New(t)
	b.Navigate(url + "plans/success")
	b.WaitText("h1", "Log in")
	require.Equal(t, url+"login?next=plans%2Fsuccess", b.Location())
	b.Shoot("serve-login")

	b.Type("#token", "not-it")
	b.Click(`#login button[type="submit"]`)
	b.WaitText("#login-error", "Wrong token")
	require.Equal(t, "true", browsertest.Eval[string](b, `document.querySelector("#token").getAttribute("aria-invalid")`))

	b.Type("#token", "s3cret-t0ken")
	b.Click(`#login button[type="submit"]`)
	b.WaitText("h1", "success")
	require.Equal(t, url+"plans/success", b.Location())
	require.Empty(t, browsertest.Eval[string](b, `document.cookie`), "the cookie is HttpOnly")
	b.WaitText("#live-status", "Live")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded = true`))
	b.Click(`button[data-run="success"]`)
	b.WaitText("#executions tbody", "passed")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded === true`), "the page was not reloaded")

	b.Navigate(url)
	b.WaitText(`tr[data-plan-row="success"] .status`, "passed")
	b.WaitText(`tr[data-plan-row="failure"]`, "failure")
	b.WaitText("#live-status", "Live")

	// A link from another site, as in an alert, opens the page without a
	// second login, although the browser keeps the SameSite=Strict cookie
	// back on that first request.
	mail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><a id="alert" href="%splans/failure">failure is failing</a>`, url)
	}))
	t.Cleanup(mail.Close)
	b.Navigate(strings.Replace(mail.URL, "127.0.0.1", "localhost", 1))
	b.Click("#alert")
	b.WaitText("h1", "failure")
	require.Equal(t, url+"plans/failure", b.Location())
	b.WaitText("#live-status", "Live")
	require.Equal(t, exitOK, s.stop(t))
}
