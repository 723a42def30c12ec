//go:build !slim

package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smokex/smokex/admin"
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

// tokenAuth is the --auth-token and --tokens check of everything serve
// answers.
type tokenAuth struct {
	// token is --auth-token, empty when only --tokens is given.
	token string
	// tokens are the entries of --tokens.
	tokens []admin.Token
	// key signs the logins of --tokens' tokens: --auth-token, else a
	// random key of this process, which a restart ends them with.
	key []byte
	// secure marks the cookie Secure on plain HTTP too: --base-url is
	// https, so a proxy in front ends TLS.
	secure bool
	now    func() time.Time
	origin *http.CrossOriginProtection
	log    *slog.Logger
	// failures counts the wrong tokens of each client.
	failures *failureLimit
	// mu guards revoked.
	mu sync.Mutex
	// revoked is when this process last logged out each token, by its
	// access's name: a login cookie of that token issued before is
	// refused. The logout of one token of --tokens ends its own logins,
	// not the others'.
	revoked map[string]time.Time
}

// withAuth wraps everything serve answers in the --auth-token check: the
// bearer header for machines, the login page's cookie for browsers.
func (f *adminFlags) withAuth(h http.Handler, log *slog.Logger) http.Handler {
	if f.authToken == "" && len(f.tokens) == 0 {
		return h
	}
	key := []byte(f.authToken)
	if len(key) == 0 {
		key = []byte(rand.Text() + rand.Text())
	}
	a := &tokenAuth{
		token:    f.authToken,
		tokens:   f.tokens,
		key:      key,
		secure:   strings.HasPrefix(f.baseURL, "https://"),
		now:      time.Now,
		origin:   http.NewCrossOriginProtection(),
		log:      log,
		failures: newFailureLimit(),
		revoked:  map[string]time.Time{},
	}
	return a.wrap(h)
}

func (a *tokenAuth) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := a.failures.blocked(clientIP(r), a.now()); wait > 0 && (hasBearer(r) || (r.URL.Path == "/login" && r.Method == http.MethodPost)) {
			a.tooMany(w, wait)
			return
		}
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
		case admin.IsPublicPath(r.URL.Path) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			// The public status pages: read without a token, as whoever
			// reads them, who sees no plan of the rest.
			if acc, ok := a.authorized(r); ok {
				r = r.WithContext(admin.WithAccess(r.Context(), acc))
			} else {
				r = r.WithContext(admin.WithAccess(r.Context(), admin.Access{}))
			}
			h.ServeHTTP(w, r)
			return
		}
		if acc, ok := a.authorized(r); ok {
			if (acc.Role != admin.RoleAdmin || len(acc.Labels) > 0) && !adminPath(r.URL.Path) {
				// /metrics spans every plan: the tokens of an admin
				// that sees every plan alone read it.
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"error":"not found"}`+"\n")
				return
			}
			h.ServeHTTP(w, r.WithContext(admin.WithAccess(r.Context(), acc)))
			return
		}
		switch {
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
		if hasBearer(r) {
			a.wrongToken(r, "Authorization header")
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="smokex"`)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized: send Authorization: Bearer <the --auth-token>, or log in at /login"}`+"\n")
	})
}

// authorized returns who r is when it carries a token in its
// Authorization header or a valid login cookie.
func (a *tokenAuth) authorized(r *http.Request) (admin.Access, bool) {
	if got, ok := bearer(r); ok {
		if acc, ok := a.access(got); ok {
			return acc, true
		}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return admin.Access{}, false
	}
	return a.validSession(c.Value)
}

// adminAccess is the access of --auth-token.
var adminAccess = admin.Access{Name: "admin token", Role: admin.RoleAdmin}

// access returns the access of a token: --auth-token's, or its entry's of
// --tokens. Every comparison takes constant time.
func (a *tokenAuth) access(token string) (admin.Access, bool) {
	acc, found := admin.Lookup(a.tokens, token)
	if a.token != "" && a.isToken(token) {
		return adminAccess, true
	}
	return acc, found
}

// adminPath reports whether the admin handler answers path, rather than
// serve's own /metrics, which spans every plan and which a scoped token
// does not see.
func adminPath(path string) bool {
	return path != "/metrics"
}

// bearer is the token of r's Authorization header when its scheme is
// Bearer, in any case (RFC 9110 section 11.1).
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// hasBearer reports whether r tries a token in its Authorization header.
func hasBearer(r *http.Request) bool {
	_, ok := bearer(r)
	return ok
}

// wrongToken logs a wrong token from r's client and counts it against the
// client's limit.
func (a *tokenAuth) wrongToken(r *http.Request, where string) {
	ip := clientIP(r)
	n, blocked := a.failures.fail(ip, a.now())
	attrs := []any{"client", ip, "method", r.Method, "path", r.URL.Path, "in", where, "failures", n}
	if blocked {
		a.log.Warn("smokex serve: wrong token; the client's tokens are refused for a while", append(attrs, "for", failureWindow)...)
		return
	}
	a.log.Warn("smokex serve: wrong token", attrs...)
}

// tooMany answers a client that sent too many wrong tokens.
func (a *tokenAuth) tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, `{"error":"too many wrong tokens from this address: try again in %d s"}`+"\n", secs)
}

// clientIP is the address of r's client, without its port.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// isToken compares got with the token in constant time, whatever their
// lengths.
func (a *tokenAuth) isToken(got string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.token))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// session is a login cookie's value until expires: the expiry, in
// milliseconds, and an HMAC, keyed with the token, of it. It holds nothing
// from which the token can be found; every serve started with the same
// token accepts it, a new token ends every login, and a logout ends the
// logins made before it on this process (see logout).
//
// The login of a token of --tokens carries its scope as well: "v3.",
// the expiry, the entry's name, role and labels (base64 of their JSON),
// and an HMAC of them and of the entry's sha256, keyed with --auth-token
// or else with a key of this process. A changed entry (another sha256,
// role or labels) or a removed one ends its logins.
func (a *tokenAuth) session(expires time.Time, acc admin.Access) string {
	exp := strconv.FormatInt(expires.UnixMilli(), 10)
	if acc.Token {
		scope, _ := json.Marshal(sessionScope{Name: acc.Name, Role: acc.Role, Labels: acc.Labels})
		payload := base64.RawURLEncoding.EncodeToString(scope)
		return "v3." + exp + "." + payload + "." + a.mac(exp, payload, a.entrySum(acc.Name))
	}
	return "v2." + exp + "." + a.mac(exp)
}

// sessionScope is what the login of a token of --tokens carries.
type sessionScope struct {
	Name   string            `json:"n"`
	Role   admin.Role        `json:"r"`
	Labels map[string]string `json:"l,omitempty"`
}

// entrySum is the sha256 of the entry of --tokens named name.
func (a *tokenAuth) entrySum(name string) string {
	for _, t := range a.tokens {
		if t.Name == name {
			return strings.ToLower(t.SHA256)
		}
	}
	return ""
}

// mac signs a session's parts: the expiry alone is the login of
// --auth-token, keyed with it, as sessions always were.
func (a *tokenAuth) mac(parts ...string) string {
	key, what := []byte(a.token), "smokex admin session"
	if len(parts) > 1 {
		key, what = a.key, "smokex scoped session"
	}
	m := hmac.New(sha256.New, key)
	io.WriteString(m, what)
	for _, p := range parts {
		io.WriteString(m, "\x00"+p)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validSession checks a login cookie's value: its HMAC, in constant time,
// that it has not expired, and for a token of --tokens that its entry
// still gives the scope it carries. It returns the login's access.
func (a *tokenAuth) validSession(v string) (admin.Access, bool) {
	version, rest, _ := strings.Cut(v, ".")
	parts := strings.Split(rest, ".")
	var acc admin.Access
	switch {
	case version == "v2" && len(parts) == 2 && a.token != "":
		if !hmac.Equal([]byte(parts[1]), []byte(a.mac(parts[0]))) {
			return admin.Access{}, false
		}
		acc = adminAccess
	case version == "v3" && len(parts) == 3:
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		var scope sessionScope
		if err != nil || json.Unmarshal(raw, &scope) != nil {
			return admin.Access{}, false
		}
		sum := a.entrySum(scope.Name)
		if sum == "" || !hmac.Equal([]byte(parts[2]), []byte(a.mac(parts[0], parts[1], sum))) {
			return admin.Access{}, false
		}
		i := slices.IndexFunc(a.tokens, func(t admin.Token) bool { return t.Name == scope.Name })
		if t := a.tokens[i]; t.Role != scope.Role || !maps.Equal(t.Labels, scope.Labels) {
			return admin.Access{}, false
		}
		acc = admin.Access{Name: scope.Name, Role: scope.Role, Labels: scope.Labels, Token: true}
	default:
		return admin.Access{}, false
	}
	ms, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return admin.Access{}, false
	}
	expires := time.UnixMilli(ms)
	a.mu.Lock()
	revoked := a.revoked[acc.Name]
	a.mu.Unlock()
	return acc, a.now().Before(expires) && expires.Add(-sessionLifetime).After(revoked)
}

// login shows the form (GET) and checks the token it posts (POST).
func (a *tokenAuth) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		next := safeNext(r.URL.Query().Get("next"))
		_, in := a.authorized(r)
		a.page(w, http.StatusOK, loginData{Next: next, LoggedIn: in})
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
	acc, ok := a.access(token)
	if token == "" || !ok {
		if token != "" {
			a.wrongToken(r, "login form")
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="smokex"`)
		msg := "Wrong token: it is not the --auth-token (or $SMOKEX_ADMIN_TOKEN) this server was started with, nor one of its --tokens."
		if token == "" {
			msg = "No token: enter yours: the --auth-token (or $SMOKEX_ADMIN_TOKEN) this server was started with, or one of its --tokens."
		}
		a.page(w, http.StatusUnauthorized, loginData{Next: next, Error: msg})
		return
	}
	// A cookie carries its expiry to the millisecond: a login in the
	// millisecond of a logout is dated after it, so that it is not taken
	// for one the logout ended.
	issued := a.now()
	a.mu.Lock()
	if revoked := a.revoked[acc.Name].Add(time.Millisecond); issued.Before(revoked) {
		issued = revoked
	}
	a.mu.Unlock()
	expires := issued.Add(sessionLifetime)
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    a.session(expires, acc),
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil || a.secure,
		SameSite: http.SameSiteStrictMode,
	})
	seeOther(w, "./"+next)
}

// logout ends this browser's login and, so that a copy of its cookie is
// of no use either, every login made on this process before it: the
// revocation is kept in memory, so another serve with the same token, or
// this one after a restart, accepts such a cookie again until it expires;
// a new token ends every login everywhere.
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
	acc, in := a.authorized(r)
	if !in {
		// Only a logged-in browser (or a client with the token) ends the
		// logins of others.
		seeOther(w, "./login")
		return
	}
	a.mu.Lock()
	a.revoked[acc.Name] = a.now()
	a.mu.Unlock()
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

// The limit of wrong tokens: a client (an IP address) that sends
// maxFailures wrong tokens within failureWindow has its tokens refused,
// right or wrong, with 429 until the window ends, which makes guessing the
// token hopeless. Behind a proxy every client is the proxy's address.
const (
	maxFailures   = 10
	failureWindow = time.Minute
	// maxFailureClients bounds the clients followed at once; past it the
	// oldest windows are dropped.
	maxFailureClients = 10000
)

// failureLimit counts wrong tokens per client.
type failureLimit struct {
	mu      sync.Mutex
	clients map[string]*failures
}

// failures are a client's wrong tokens since start.
type failures struct {
	n     int
	start time.Time
}

func newFailureLimit() *failureLimit {
	return &failureLimit{clients: map[string]*failures{}}
}

// fail counts a wrong token of ip at now and returns the count in the
// window and whether ip is now refused.
func (l *failureLimit) fail(ip string, now time.Time) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.clients[ip]
	if !ok || now.Sub(f.start) >= failureWindow {
		if !ok && len(l.clients) >= maxFailureClients {
			l.dropOldest(now)
		}
		f = &failures{start: now}
		l.clients[ip] = f
	}
	f.n++
	return f.n, f.n >= maxFailures
}

// blocked returns how long ip's tokens are still refused, 0 when they are
// not.
func (l *failureLimit) blocked(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.clients[ip]
	if !ok || f.n < maxFailures {
		return 0
	}
	return max(f.start.Add(failureWindow).Sub(now), 0)
}

// dropOldest drops the windows that ended, or else the oldest one.
func (l *failureLimit) dropOldest(now time.Time) {
	var oldest string
	for ip, f := range l.clients {
		if now.Sub(f.start) >= failureWindow {
			delete(l.clients, ip)
			continue
		}
		if oldest == "" || f.start.Before(l.clients[oldest].start) {
			oldest = ip
		}
	}
	if len(l.clients) >= maxFailureClients {
		delete(l.clients, oldest)
	}
}
