package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The login of --auth-token for browsers, which send no Authorization
// header on page loads or on the dashboard's EventSource: a form at /login
// takes the token and answers a cookie that authorizes the requests that
// carry it, as the bearer header does.
const (
	// sessionCookie is the cookie's name.
	sessionCookie = "smokex_session"
	// sessionLifetime is how long a login lasts.
	sessionLifetime = 30 * 24 * time.Hour
	// loginFormLimit bounds the login form's body.
	loginFormLimit = 64 << 10
)

//go:embed templates/login.html
var loginHTML string

var loginPage = sync.OnceValue(func() *template.Template { return template.Must(template.New("login").Parse(loginHTML)) })

// loginData is what the login page shows.
type loginData struct {
	// Next is where a login goes, relative to the root.
	Next string
	// Error says why the last try failed.
	Error string
	// LoggedIn is true when the request is authorized already.
	LoggedIn bool
}

// tokenAuth is the --auth-token check of everything serve answers.
type tokenAuth struct {
	token string
	// secure marks the cookie Secure on plain HTTP too: --base-url is
	// https, so a proxy in front ends TLS.
	secure bool
	now    func() time.Time
	origin *http.CrossOriginProtection
}

// withAuth wraps everything serve answers in the --auth-token check: the
// bearer header for machines, the login page's cookie for browsers.
func (f *adminFlags) withAuth(h http.Handler) http.Handler {
	if f.authToken == "" {
		return h
	}
	a := &tokenAuth{
		token:  f.authToken,
		secure: strings.HasPrefix(f.baseURL, "https://"),
		now:    time.Now,
		origin: http.NewCrossOriginProtection(),
	}
	return a.wrap(h)
}

func (a *tokenAuth) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/login":
			a.login(w, r)
			return
		case r.URL.Path == "/logout":
			a.logout(w, r)
			return
		case strings.HasPrefix(r.URL.Path, "/assets/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			// The dashboard's style and script, which the login page
			// needs: the same files in every binary, nothing secret.
			h.ServeHTTP(w, r)
			return
		case a.authorized(r):
			h.ServeHTTP(w, r)
			return
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html"):
			// A browser opening a page: to the login, and back here after.
			next := strings.TrimPrefix(r.URL.Path, "/")
			if r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			}
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				// A link from another site, such as an alert's: the
				// browser keeps the SameSite=Strict cookie back. Open
				// the page again from here, which sends it, or goes to
				// the login.
				a.reopen(w, base(r.URL.Path)+next)
				return
			}
			loc := base(r.URL.Path) + "login"
			if next != "" {
				loc += "?next=" + url.QueryEscape(next)
			}
			seeOther(w, loc)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="smokex"`)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized: send Authorization: Bearer <the --auth-token>, or log in at /login"}`+"\n")
	})
}

// authorized reports whether r carries the token in its Authorization
// header or a valid login cookie.
func (a *tokenAuth) authorized(r *http.Request) bool {
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.isToken(got) {
		return true
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && a.validSession(c.Value)
}

// isToken compares got with the token in constant time, whatever their
// lengths.
func (a *tokenAuth) isToken(got string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.token))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// session is a login cookie's value until expires: the expiry and an HMAC,
// keyed with the token, of it. It holds nothing from which the token can be
// found; every serve started with the same token accepts it, and a new
// token ends every login.
func (a *tokenAuth) session(expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return "v1." + exp + "." + a.mac(exp)
}

func (a *tokenAuth) mac(exp string) string {
	m := hmac.New(sha256.New, []byte(a.token))
	io.WriteString(m, "smokex admin session\x00"+exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validSession checks a login cookie's value: its HMAC, in constant time,
// and that it has not expired.
func (a *tokenAuth) validSession(v string) bool {
	rest, ok := strings.CutPrefix(v, "v1.")
	if !ok {
		return false
	}
	exp, sum, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	if !hmac.Equal([]byte(sum), []byte(a.mac(exp))) {
		return false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && a.now().Before(time.Unix(unix, 0))
}

// login shows the form (GET) and checks the token it posts (POST).
func (a *tokenAuth) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		next := safeNext(r.URL.Query().Get("next"))
		a.page(w, http.StatusOK, loginData{Next: next, LoggedIn: a.authorized(r)})
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		a.page(w, http.StatusMethodNotAllowed, loginData{Error: "The login page takes GET and POST, not " + r.Method + "."})
		return
	}
	if err := a.origin.Check(r); err != nil {
		a.page(w, http.StatusForbidden, loginData{Error: "Refused: the form was sent from another site (" + err.Error() + "). Open this page and log in here."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, loginFormLimit)
	if err := r.ParseForm(); err != nil {
		a.page(w, http.StatusBadRequest, loginData{Error: "The form could not be read: " + err.Error()})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" || !a.isToken(token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="smokex"`)
		msg := "Wrong token: it is not the --auth-token (or $SMOKEX_ADMIN_TOKEN) this server was started with."
		if token == "" {
			msg = "No token: enter the --auth-token (or $SMOKEX_ADMIN_TOKEN) this server was started with."
		}
		a.page(w, http.StatusUnauthorized, loginData{Next: next, Error: msg})
		return
	}
	expires := a.now().Add(sessionLifetime)
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    a.session(expires),
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil || a.secure,
		SameSite: http.SameSiteStrictMode,
	})
	seeOther(w, "./"+next)
}

// logout ends this browser's login.
func (a *tokenAuth) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		a.page(w, http.StatusMethodNotAllowed, loginData{Error: "Log out with the button of the login page (POST /logout)."})
		return
	}
	if err := a.origin.Check(r); err != nil {
		a.page(w, http.StatusForbidden, loginData{Error: "Refused: the form was sent from another site (" + err.Error() + ")."})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil || a.secure, SameSite: http.SameSiteStrictMode,
	})
	seeOther(w, "./login")
}

// page renders the login page, with the dashboard's headers.
func (a *tokenAuth) page(w http.ResponseWriter, code int, data loginData) {
	answerPage(w, code, loginPage(), data, "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
}

// answerPage renders t with data and answers it with the headers of the
// dashboard's pages and csp.
func answerPage(w http.ResponseWriter, code int, t *template.Template, data any, csp string) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

// reopen answers a page that opens loc again, from this origin.
func (a *tokenAuth) reopen(w http.ResponseWriter, loc string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="smokex"`)
	answerPage(w, http.StatusUnauthorized, reopenPage(), loc, "default-src 'none'; frame-ancestors 'none'")
}

var reopenPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("reopen").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={{.}}"><title>smokex</title></head>
<body><p><a href="{{.}}">Open the page</a></p></body></html>
`))
})

// seeOther redirects to loc as given: http.Redirect would make a relative
// loc absolute, which breaks behind a proxy that serves under a prefix.
func seeOther(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// base is the relative way from path back to the root, so that the login
// works behind a proxy that serves it under a prefix.
func base(path string) string {
	depth := strings.Count(strings.TrimPrefix(path, "/"), "/")
	if depth == 0 {
		return "./"
	}
	return strings.Repeat("../", depth)
}

// safeNext is next when it is a path below the root, else empty: a login
// never sends the browser to another site.
func safeNext(next string) string {
	if next == "" || strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return ""
	}
	return next
}
