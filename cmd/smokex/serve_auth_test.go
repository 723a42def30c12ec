package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// browserClient keeps cookies and does not follow redirects, so that a
// test sees each answer of the login.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send sends a request with the header pairs and returns the answer and
// its body.
func send(t *testing.T, c *http.Client, method, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func sessionOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestServeLoginCookie logs in as a browser does: a page load goes to the
// login, a wrong token is a 401 page, the right one a cookie that
// authorizes the dashboard, the API and the event stream, and holds no
// token; machines keep using the bearer header.
func TestServeLoginCookie(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--auth-token", "t0ken", "--var", "base="+target.URL, dir)
	base := s.dashboardURL(t)
	c := browserClient(t)

	resp, _ := send(t, c, "GET", base, nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "./login", resp.Header.Get("Location"))
	resp, _ = send(t, c, "GET", base+"plans/ticker?x=1", nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "../login?next=plans%2Fticker%3Fx%3D1", resp.Header.Get("Location"))
	// A link from another site: the browser held the SameSite=Strict
	// cookie back, so the page opens itself again from here.
	resp, body := send(t, c, "GET", base+"plans/ticker?x=1", nil, "Accept", htmlAccept, "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, `<meta http-equiv="refresh" content="0;url=../plans/ticker?x=1">`)
	// Not a page load: the JSON answer of before, which names the login.
	resp, body = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, "log in at /login")

	resp, body = send(t, c, "GET", base+"login?next=plans/ticker", nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `<form method="post" action="./login" id="login">`)
	require.Contains(t, body, `name="next" value="plans/ticker"`)
	require.Contains(t, body, `href="./assets/style.css"`)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "form-action 'self'")
	// The login page's style loads without a login.
	resp, _ = send(t, c, "GET", base+"assets/style.css", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	for token, msg := range map[string]string{"wrong": "Wrong token", "t0ke": "Wrong token", "t0kenX": "Wrong token", "": "No token"} {
		resp, body = send(t, c, "POST", base+"login", url.Values{"token": {token}, "next": {"plans/ticker"}})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, token)
		require.Contains(t, body, msg, token)
		require.Contains(t, body, `name="next" value="plans/ticker"`)
		require.Nil(t, sessionOf(resp), token)
	}

	resp, _ = send(t, c, "POST", base+"login", url.Values{"token": {" t0ken\n"}, "next": {"plans/ticker"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "./plans/ticker", resp.Header.Get("Location"))
	cookie := sessionOf(resp)
	require.NotNil(t, cookie)
	require.True(t, cookie.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, cookie.SameSite)
	require.False(t, cookie.Secure, "plain HTTP")
	require.Equal(t, "/", cookie.Path)
	require.NotContains(t, cookie.Value, "t0ken")
	require.Greater(t, cookie.MaxAge, 0)

	// The cookie authorizes as the bearer header does.
	resp, body = send(t, c, "GET", base+"plans/ticker", nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "ticker")
	resp, body = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	resp, body = send(t, c, "GET", base+"login", nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "This browser is logged in")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"events", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	events, err := c.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, events.StatusCode)
	require.Equal(t, "text/event-stream", events.Header.Get("Content-Type"))
	cancel()
	events.Body.Close()

	// Machines: the bearer header, without a cookie.
	for _, path := range []string{"metrics", "status", "badge/ticker.svg", "api/plans"} {
		require.Eventually(t, func() bool {
			code, _ := call(t, "GET", base+path, "", "Authorization", "Bearer t0ken")
			return code == http.StatusOK
		}, waitLimit, 50*time.Millisecond, path)
		code, _ := call(t, "GET", base+path, "")
		require.Equal(t, http.StatusUnauthorized, code, path)
	}

	// A forged or expired cookie is no login.
	a := &tokenAuth{token: "t0ken", now: time.Now}
	for name, value := range map[string]string{
		"forged":      cookie.Value[:len(cookie.Value)-2] + "xx",
		"other token": (&tokenAuth{token: "other"}).session(time.Now().Add(time.Hour), adminAccess),
		"expired":     a.session(time.Now().Add(-time.Second), adminAccess),
		"later":       strings.Replace(cookie.Value, "v2.1", "v2.9", 1),
		"garbage":     "t0ken",
	} {
		code, _ := call(t, "GET", base+"api/plans", "", "Cookie", sessionCookie+"="+value)
		require.Equal(t, http.StatusUnauthorized, code, name)
	}
	code, _ := call(t, "GET", base+"api/plans", "", "Cookie", sessionCookie+"="+a.session(time.Now().Add(time.Hour), adminAccess))
	require.Equal(t, http.StatusOK, code, "a cookie of another serve with the same token")

	// A login never leaves the site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		resp, _ = send(t, browserClient(t), "POST", base+"login", url.Values{"token": {"t0ken"}, "next": {next}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, next)
		require.Equal(t, "./", resp.Header.Get("Location"), next)
	}

	// Logging out ends the cookie.
	// A copy of the cookie, as a thief would keep it, is revoked too; a new
	// login works at once.
	copied := cookie.Value
	code, _ = call(t, "GET", base+"api/plans", "", "Cookie", sessionCookie+"="+copied)
	require.Equal(t, http.StatusOK, code)
	resp, _ = send(t, c, "POST", base+"logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Less(t, sessionOf(resp).MaxAge, 0)
	resp, _ = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	code, _ = call(t, "GET", base+"api/plans", "", "Cookie", sessionCookie+"="+copied)
	require.Equal(t, http.StatusUnauthorized, code, "a copied cookie after the logout")
	resp, _ = send(t, c, "POST", base+"login", url.Values{"token": {"t0ken"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "a login after the logout")
	require.Equal(t, exitOK, s.stop(t))
}

// TestServeLoginCrossOrigin refuses a login form posted from another site,
// even with the right token: no cookie is set.
func TestServeLoginCrossOrigin(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--auth-token", "t0ken")
	base := s.dashboardURL(t)
	for name, header := range map[string][]string{
		"fetch metadata": {"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		"origin":         {"Origin", "https://evil.example"},
	} {
		resp, body := send(t, browserClient(t), "POST", base+"login", url.Values{"token": {"t0ken"}}, header...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, body, "sent from another site", name)
		require.Nil(t, sessionOf(resp), name)
		resp, _ = send(t, browserClient(t), "POST", base+"logout", url.Values{}, header...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
	}
	resp, _ := send(t, browserClient(t), "POST", base+"login", url.Values{"token": {"t0ken"}}, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotNil(t, sessionOf(resp))
	require.Equal(t, exitOK, s.stop(t))
}

// TestServeLoginSecureCookie marks the cookie Secure on TLS, and behind a
// proxy that ends TLS for an https --base-url.
func TestServeLoginSecureCookie(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for name, tc := range map[string]struct {
		flags  adminFlags
		tls    bool
		secure bool
	}{
		"tls":            {flags: adminFlags{authToken: "t0ken"}, tls: true, secure: true},
		"https base-url": {flags: adminFlags{authToken: "t0ken", baseURL: "https://smoke.example.com/"}, secure: true},
		"plain":          {flags: adminFlags{authToken: "t0ken", baseURL: "http://smoke.example.com/"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(tc.flags.withAuth(ok, slog.New(slog.DiscardHandler)))
			if tc.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			c := browserClient(t)
			c.Transport = srv.Client().Transport
			resp, _ := send(t, c, "POST", srv.URL+"/login", url.Values{"token": {"t0ken"}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			cookie := sessionOf(resp)
			require.NotNil(t, cookie)
			require.Equal(t, tc.secure, cookie.Secure)
			if tc.tls {
				resp, body := send(t, c, "GET", srv.URL+"/x", nil)
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, "ok", body)
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"":                      "",
		"plans/a":               "plans/a",
		"executions/x?y=1":      "executions/x?y=1",
		"/plans/a":              "",
		"//evil.example/":       "",
		"\\\\evil.example":      "",
		"https://evil.example/": "",
		"javascript:alert(1)":   "",
		"a\r\nSet-Cookie: x=1":  "",
	} {
		require.Equal(t, want, safeNext(next), next)
	}
}

// TestServeBearerAndWrongTokens: the bearer scheme is taken in any case;
// wrong tokens are logged with the client's address, and from the
// maxFailures-th in a window the client's tokens are refused with 429,
// the right one too, while another way in (the login form) is counted the
// same.
func TestServeBearerAndWrongTokens(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--auth-token", "t0ken")
	base := s.dashboardURL(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		code, body := call(t, "GET", base+"api/plans", "", "Authorization", scheme+" t0ken")
		require.Equal(t, http.StatusOK, code, body)
	}
	for i := 1; i < maxFailures-1; i++ {
		code, _ := call(t, "GET", base+"api/plans", "", "Authorization", "bearer guess"+strconv.Itoa(i))
		require.Equal(t, http.StatusUnauthorized, code)
	}
	resp, _ := send(t, browserClient(t), "POST", base+"login", url.Values{"token": {"guess-in-form"}})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	code, _ := call(t, "GET", base+"api/plans", "", "Authorization", "Bearer last-guess")
	require.Equal(t, http.StatusUnauthorized, code)
	s.waitLog(t, `level=WARN msg="smokex serve: wrong token; the client's tokens are refused for a while" client=127.0.0.1 method=GET path=/api/plans in="Authorization header" failures=10 for=1m0s`)
	log := logText(s.stderr)
	require.Contains(t, log, `level=WARN msg="smokex serve: wrong token" client=127.0.0.1 method=GET path=/api/plans in="Authorization header" failures=1`)
	require.Contains(t, log, `msg="smokex serve: wrong token" client=127.0.0.1 method=POST path=/login in="login form" failures=9`)
	require.NotContains(t, log, "guess")

	req, err := http.NewRequest("GET", base+"api/plans", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "even the right token, while refused")
	require.Regexp(t, `^[1-6]?[0-9]$`, res.Header.Get("Retry-After"))
	resp, body := send(t, browserClient(t), "POST", base+"login", url.Values{"token": {"t0ken"}})
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, body)
	// Without a token, the status of the refusal is the usual one.
	code, _ = call(t, "GET", base+"api/plans", "")
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, exitOK, s.stop(t))
}

func TestFailureLimitWindow(t *testing.T) {
	t.Parallel()
	l := newFailureLimit()
	now := time.Unix(1000, 0)
	for i := 1; i <= maxFailures; i++ {
		n, blocked := l.fail("10.0.0.1", now)
		require.Equal(t, i, n)
		require.Equal(t, i == maxFailures, blocked)
	}
	require.Equal(t, failureWindow, l.blocked("10.0.0.1", now))
	require.Zero(t, l.blocked("10.0.0.2", now))
	require.Equal(t, 10*time.Second, l.blocked("10.0.0.1", now.Add(failureWindow-10*time.Second)))
	require.Zero(t, l.blocked("10.0.0.1", now.Add(failureWindow)))
	n, blocked := l.fail("10.0.0.1", now.Add(failureWindow))
	require.Equal(t, 1, n, "a new window")
	require.False(t, blocked)
	for i := range maxFailureClients + 5 {
		l.fail("c"+strconv.Itoa(i), now.Add(failureWindow+time.Duration(i)))
	}
	require.LessOrEqual(t, len(l.clients), maxFailureClients)
}
