package demoapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The demo account: the only credentials /login accepts, and the profile
// /me returns for it.
const (
	Username = "demo"
	Password = "secret"
	Points   = 23
)

// ServerHeader is the value of the Server header of every response.
const ServerHeader = "smokex-demo"

// MaxDelay bounds how long /delay/{ms} waits.
const MaxDelay = 10 * time.Second

// maxBody bounds the request bodies the API reads.
const maxBody = 1 << 20

// MaxSessions bounds the sessions a handler keeps; past it, a login drops
// an older session, so that a long-running demo server does not grow.
const MaxSessions = 10000

// PageTitle is the title of /page, and the text of its h1#title.
const PageTitle = "Smokex demo"

// PageItems returns the text of the list items of /page, in order.
func PageItems() []string { return []string{"health", "login", "me"} }

// api is the state of one handler: the sessions /login handed out.
type api struct {
	mu       sync.Mutex
	sessions map[string]string // token -> user
}

// New returns the demo API as a handler. Its sessions live as long as the
// handler; two handlers share nothing.
func New() http.Handler {
	a := &api{sessions: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", a.health)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("GET /me", a.me)
	mux.HandleFunc("POST /points", a.points)
	mux.HandleFunc("GET /echo", a.echo)
	mux.HandleFunc("POST /form", a.form)
	mux.HandleFunc("GET /page", a.page)
	mux.HandleFunc("GET /redirect", a.redirect)
	mux.HandleFunc("GET /status/{code}", a.status)
	mux.HandleFunc("GET /delay/{ms}", a.delay)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", ServerHeader)
		mux.ServeHTTP(w, r)
	})
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (a *api) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.Username != Username || in.Password != Password {
		writeError(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	token := newToken()
	a.mu.Lock()
	for old := range a.sessions {
		if len(a.sessions) < MaxSessions {
			break
		}
		delete(a.sessions, old)
	}
	a.sessions[token] = in.Username
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"session": map[string]any{"token": token, "user": in.Username},
	})
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeError(w, http.StatusUnauthorized, "missing bearer token")
		return
	}
	a.mu.Lock()
	user, ok := a.sessions[token]
	a.mu.Unlock()
	if !ok {
		writeError(w, http.StatusUnauthorized, "unknown session")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user": map[string]any{"name": user, "points": Points},
	})
}

func (a *api) points(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Points any `json:"points"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	n, ok := in.Points.(float64)
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("points must be a number, got %s", jsonType(in.Points)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"points": n})
}

func (a *api) echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Echo", "yes")
	writeJSON(w, http.StatusOK, flatten(r.URL.Query()))
}

func (a *api) form(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		writeError(w, http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded, got "+strconv.Quote(ct))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, flatten(r.PostForm))
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html>
<head><title>{{.Title}}</title></head>
<body>
<h1 id="title">{{.Title}}</h1>
<ul class="endpoints">
{{range .Items}}<li>{{.}}</li>
{{end}}</ul>
<p class="user">Signed in as <span id="user">` + Username + `</span></p>
</body>
</html>
`))

func (a *api) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, struct {
		Title string
		Items []string
	}{PageTitle, PageItems()})
}

func (a *api) redirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/health", http.StatusFound)
}

func (a *api) status(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		writeError(w, http.StatusBadRequest, "status code must be an integer from 200 to 599")
		return
	}
	writeJSON(w, code, map[string]any{"status": code})
}

func (a *api) delay(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.PathValue("ms"))
	if err != nil || ms < 0 {
		writeError(w, http.StatusBadRequest, "delay must be a non-negative integer of milliseconds")
		return
	}
	d := min(time.Duration(ms)*time.Millisecond, MaxDelay)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delayed_ms": d.Milliseconds()})
}

// flatten turns query or form values into a JSON object: a name given once
// maps to its value, a repeated name to the list of its values.
func flatten(v url.Values) map[string]any {
	out := make(map[string]any, len(v))
	for k, vs := range v {
		if len(vs) == 1 {
			out[k] = vs[0]
		} else {
			out[k] = vs
		}
	}
	return out
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body must be a JSON object: %v", err)
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"error": msg})
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
