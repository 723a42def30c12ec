package admin

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Defaults of Config.
const (
	// DefaultEventBuffer is how many recent events the handler keeps for
	// clients that reconnect to /events with a Last-Event-ID.
	DefaultEventBuffer = 4096
	// DefaultEventBufferBytes bounds the bytes of the events kept for
	// replay, whatever their number: 8 MiB.
	DefaultEventBufferBytes = 8 << 20
	// DefaultHeartbeat is how often /events sends a comment to keep idle
	// connections open through proxies.
	DefaultHeartbeat = 15 * time.Second
	// DefaultTitle is the dashboard's title.
	DefaultTitle = "smokex"
	// DefaultMaxPlansBytes bounds the YAML of the engine's plans together
	// when the API stores one: a parsed plan takes many times its source's
	// bytes in memory.
	DefaultMaxPlansBytes = 16 << 20
)

// Config configures the handler. A nil *Config is the zero Config: read
// only, no authorization beyond the host's own.
type Config struct {
	// AllowRun lets POST /api/plans/{id}/runs and the dashboard's "Run now"
	// start executions, and POST and DELETE /api/plans/{id}/pause and the
	// dashboard's "Pause" pause a plan's alerts and end the pause.
	// Defaults to false.
	AllowRun bool
	// AllowEdit lets PUT /api/plans/{id} and the dashboard's editor create
	// and replace plans. Plans that come from files (Engine.PlanSynced)
	// stay read-only: their files are where they are changed. Defaults to
	// false.
	AllowEdit bool
	// AllowDelete lets DELETE /api/plans/{id} and the dashboard remove
	// plans, files' plans excepted. Defaults to false.
	AllowDelete bool

	// Sync, when set, syncs the plans from their source at once (smokex
	// serve --sync sets it to its git sync) and returns once a sync that
	// began after the call has ended, with an error only when it could not
	// wait for one: POST /api/sync and the dashboard's "Sync now" call it,
	// for an operator or an admin who sees every plan. Defaults to nil: no
	// "Sync now". GET /api/sync and the dashboard's sync panel show the
	// engine's SyncState either way.
	Sync func(ctx context.Context) error

	// Authorize, when set, is asked about every request; a request it
	// refuses is answered 401 with {"error": "unauthorized"}. Nil lets every
	// request through: wrap the handler in the host's own middleware, or
	// set this.
	Authorize func(*http.Request) bool

	// Tokens are the bearer tokens the handler accepts, each with its
	// role and scope (see Token; ParseTokens reads a tokens file). A
	// request with one of them is shown only its plans (404 for the
	// others) and allowed only what its role may do; a request with none
	// is refused with 401 unless Authorize accepts it, and is then the
	// host's admin. An invalid entry (ValidateTokens) makes every request
	// answer 500 with the error: the handler does not guess. Defaults to
	// none: no tokens, every request is the host's admin.
	Tokens []Token

	// MaxPlansBytes bounds the bytes of YAML of all the engine's plans
	// together, files' plans included, when PUT /api/plans/{id} stores
	// one: a plan that would take the total past it is refused with 507,
	// so that plans sent one after another cannot take the host's memory.
	// One plan is bounded by plan.DefaultMaxSize. Defaults to
	// DefaultMaxPlansBytes.
	MaxPlansBytes int64

	// AllowedHosts, when not nil, turns on the check of the Host header
	// that shuts out DNS rebinding (see HostCheck): the handler answers
	// only requests for an IP address, localhost, a name under .localhost
	// or one of these names (".example.com" for a domain and every name
	// under it), and refuses others with 403. Set it whenever a browser can
	// reach the handler, to the names users reach it by: []string{} allows
	// only the loopback names and IP addresses. Defaults to nil: no check,
	// which leaves it to the host (smokex serve checks every request).
	AllowedHosts []string

	// Title names the dashboard in its pages' titles and header. Defaults
	// to DefaultTitle.
	Title string

	// EventBuffer is how many recent events are kept to replay to a client
	// of /events that reconnects with Last-Event-ID. Defaults to
	// DefaultEventBuffer.
	EventBuffer int
	// EventBufferBytes bounds the encoded size of the events kept for
	// replay: the oldest go first when either bound is reached. Events are
	// encoded and kept only while a client follows /events, and for a
	// minute after the last one leaves, so that it can reconnect; with no
	// client they cost nothing but their count. Defaults to
	// DefaultEventBufferBytes.
	EventBufferBytes int

	// Heartbeat is how often /events writes a comment on an idle stream.
	// Defaults to DefaultHeartbeat.
	Heartbeat time.Duration

	// FetchClient fetches the OpenAPI documents that the "New plan" page
	// (POST /api/generate) is given by URL, each within
	// DefaultFetchTimeout. Defaults to http.DefaultClient.
	FetchClient *http.Client

	// Logger receives the handler's errors (a store that fails). Defaults
	// to slog.Default().
	Logger *slog.Logger

	// AllowIncidents lets POST /api/incidents and
	// /api/incidents/{id}/updates, and the dashboard's incident form,
	// write incidents (an operator's token may as well). Defaults to
	// false.
	AllowIncidents bool

	// StatusPages are the public status pages, served at /s/<slug> without
	// Authorize (see IsPublicPath). Check them against the plans with
	// CheckStatusPages once the plans have loaded. Defaults to none.
	StatusPages []StatusPage
}

func (c *Config) withDefaults() Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.MaxPlansBytes <= 0 {
		out.MaxPlansBytes = DefaultMaxPlansBytes
	}
	if out.Title == "" {
		out.Title = DefaultTitle
	}
	if out.EventBuffer <= 0 {
		out.EventBuffer = DefaultEventBuffer
	}
	if out.EventBufferBytes <= 0 {
		out.EventBufferBytes = DefaultEventBufferBytes
	}
	if out.Heartbeat <= 0 {
		out.Heartbeat = DefaultHeartbeat
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	return out
}

// handler is what New returns.
type handler struct {
	eng    *smokex.Engine
	cfg    Config
	mux    *http.ServeMux
	state  *state
	events *broker
	pages  *pages
	// public serves the status pages; nil without any.
	public *statusPages
	// putMu makes a PUT's check of MaxPlansBytes and its store one step.
	putMu sync.Mutex
	// freeing is set while memory is handed back after a delete.
	freeing atomic.Bool
	// serve answers a request: the Host check, when Config asks for it,
	// then authorize and route.
	serve http.Handler
	// budgets caches the plans' error budgets (GET /api/plans/{id}, the
	// plan page, the status pages).
	budgets *budgets
	// tokensErr is what is wrong with Config.Tokens.
	tokensErr error
}

// New returns the admin handler of eng: the JSON API under /api/, /status,
// /badge/{id}.svg, /events and the dashboard at /. Mount it under any
// prefix with http.StripPrefix: its links and assets are relative.
//
// The handler subscribes to eng's events at once and follows them until
// eng stops; create it before or after eng.Start, once per engine.
func New(eng *smokex.Engine, cfg *Config) http.Handler {
	h := &handler{eng: eng, cfg: cfg.withDefaults()}
	if err := ValidateTokens(h.cfg.Tokens); err != nil {
		h.tokensErr = fmt.Errorf("admin: Config.Tokens: %w", err)
		h.cfg.Logger.Error("smokex admin: every request is refused", "error", h.tokensErr)
	}
	h.state = newState(eng, h.cfg.Logger)
	h.budgets = &budgets{eng: eng, by: map[string]*record.ErrorBudget{}}
	h.events = newBroker(h.cfg.EventBuffer, h.cfg.EventBufferBytes, h.cfg.Heartbeat)
	h.pages = newPages(h)
	stop := make(chan struct{})
	if len(h.cfg.StatusPages) > 0 {
		h.public = newStatusPages(h)
		go h.public.run(stop)
	}
	go h.follow(eng.Subscribe(4*h.cfg.EventBuffer), stop)
	h.routes()
	h.serve = http.HandlerFunc(h.authorizeAndRoute)
	if h.cfg.AllowedHosts != nil {
		h.serve = HostCheck(h.serve, h.cfg.AllowedHosts, "add it to admin.Config.AllowedHosts")
	}
	return h
}

// follow feeds the engine's events to the state, the event stream and the
// status pages until the engine stops, and then closes stop.
func (h *handler) follow(sub *smokex.Subscription, stop chan struct{}) {
	defer close(stop)
	defer h.events.close()
	var dropped uint64
	for ev := range sub.C() {
		h.state.observe(&ev)
		h.events.publish(&ev)
		if h.public != nil && ev.Type == smokex.EventExecutionFinished {
			h.public.poke()
		}
		if n := sub.Dropped(); n > dropped {
			h.cfg.Logger.Warn("smokex admin: events were lost: the handler could not keep up with the engine", "lost", n-dropped)
			dropped = n
		}
	}
}

func (h *handler) routes() {
	h.mux = http.NewServeMux()
	mutate := http.NewCrossOriginProtection()
	api := func(pattern string, methods map[string]http.HandlerFunc) {
		h.mux.Handle(pattern, byMethod(methods, mutate))
	}
	api("/api/plans", map[string]http.HandlerFunc{"GET": h.listPlans})
	api("/api/plans/{id}", map[string]http.HandlerFunc{"GET": h.getPlan, "PUT": h.putPlan, "DELETE": h.deletePlan})
	api("/api/plans/{id}/runs", map[string]http.HandlerFunc{"POST": h.runPlan})
	api("/api/plans/{id}/pause", map[string]http.HandlerFunc{"GET": h.getPause, "POST": h.pausePlan, "DELETE": h.resumePlan})
	api("/api/executions", map[string]http.HandlerFunc{"GET": h.listExecutions})
	api("/api/executions/{id}", map[string]http.HandlerFunc{"GET": h.getExecution})
	api("/api/schedule", map[string]http.HandlerFunc{"GET": h.schedule})
	api("/api/locations", map[string]http.HandlerFunc{"GET": h.locations})
	api("/api/incidents", map[string]http.HandlerFunc{"GET": h.listIncidents, "POST": h.createIncident})
	api("/api/incidents/{id}", map[string]http.HandlerFunc{"GET": h.getIncident})
	api("/api/incidents/{id}/updates", map[string]http.HandlerFunc{"POST": h.updateIncident})
	api("/api/sync", map[string]http.HandlerFunc{"GET": h.getSync, "POST": h.postSync})
	api("/api/sync/preview", map[string]http.HandlerFunc{"POST": h.previewSync})
	api("/api/generate", map[string]http.HandlerFunc{"POST": h.generate})
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
	})
	api("/status", map[string]http.HandlerFunc{"GET": h.status})
	api("/badge/{file}", map[string]http.HandlerFunc{"GET": h.badge})
	api("/badge/{id}/{file}", map[string]http.HandlerFunc{"GET": h.figureBadge})
	api("/events", map[string]http.HandlerFunc{"GET": h.stream})
	h.statusRoutes()
	h.pages.routes(h.mux)
}

// ServeHTTP checks the request's Host when Config.AllowedHosts is set,
// authorizes the request and routes it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serve.ServeHTTP(w, r)
}

// authorizeAndRoute finds who the request is (an Access the host put in
// its context, one of Config.Tokens, or the host's admin when Authorize
// lets it through) and routes it with that access in its context. The
// status pages under /s/ are public: without a token, they are routed with
// the zero Access, which sees no plan of the rest.
func (h *handler) authorizeAndRoute(w http.ResponseWriter, r *http.Request) {
	if h.tokensErr != nil {
		writeError(w, http.StatusInternalServerError, h.tokensErr.Error())
		return
	}
	if _, ok := AccessFrom(r.Context()); ok {
		h.mux.ServeHTTP(w, r)
		return
	}
	if tok, ok := bearerToken(r); ok && len(h.cfg.Tokens) > 0 {
		if a, ok := Lookup(h.cfg.Tokens, tok); ok {
			h.mux.ServeHTTP(w, r.WithContext(WithAccess(r.Context(), a)))
			return
		}
	}
	admin := Access{Role: RoleAdmin}
	switch {
	case h.cfg.Authorize != nil && h.cfg.Authorize(r):
	case h.cfg.Authorize == nil && len(h.cfg.Tokens) == 0:
	case IsPublicPath(r.URL.Path):
		admin = Access{}
	default:
		writeError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	h.mux.ServeHTTP(w, r.WithContext(WithAccess(r.Context(), admin)))
}

// byMethod dispatches on the request's method, answering 405 with a JSON
// error and an Allow header for the others. Methods that change something
// are refused to cross-origin browser requests.
func byMethod(methods map[string]http.HandlerFunc, mutate *http.CrossOriginProtection) http.Handler {
	allowed := make([]string, 0, len(methods)+1)
	for m := range methods {
		allowed = append(allowed, m)
	}
	if _, ok := methods["GET"]; ok {
		allowed = append(allowed, "HEAD")
	}
	allow := strings.Join(sortedMethods(allowed), ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == "HEAD" {
			m = "GET"
		}
		fn, ok := methods[m]
		if !ok {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here; allowed: "+allow)
			return
		}
		if err := mutate.Check(r); err != nil {
			writeError(w, http.StatusForbidden, "cross-origin request refused: "+err.Error())
			return
		}
		fn(w, r)
	})
}

func sortedMethods(ms []string) []string {
	order := map[string]int{"GET": 0, "HEAD": 1, "POST": 2, "PUT": 3, "DELETE": 4}
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && order[ms[j]] < order[ms[j-1]]; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	return ms
}

// errorBody is every error the API answers.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: "encoding the response: " + err.Error()})
	}
	writeBody(w, code, append(body, '\n'))
}

// encodeJSON encodes v with a final newline; the values the handler
// encodes this way cannot fail to encode.
func encodeJSON(v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		body, _ = json.Marshal(errorBody{Error: "encoding the response: " + err.Error()})
	}
	return append(body, '\n')
}

// writeBody writes an encoded JSON answer.
func writeBody(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

// storeError answers an error of the engine or its store.
func (h *handler) storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, smokex.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		writeError(w, http.StatusServiceUnavailable, r.Context().Err().Error())
	default:
		writeError(w, http.StatusInternalServerError, h.internal(w, r, err))
	}
}

// internal logs err, which the client is not shown (a store's error may
// hold SQL and the values it was given), under a new request id that it
// also sets as the X-Request-Id header, and returns the message to answer.
func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) string {
	id := rand.Text()
	h.cfg.Logger.Error("smokex admin: "+r.Method+" "+r.URL.Path, "error", err, "request_id", id)
	w.Header().Set("X-Request-Id", id)
	return "internal error: the server's log has it under request id " + id
}

// checkID answers 404 and returns false when id is one that nothing stored
// can have (plan.CheckID): the store is not asked. what names the kind of
// thing, "plan" or "execution".
func checkID(w http.ResponseWriter, what, id string) bool {
	if plan.CheckID(id) == nil {
		return true
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no %s has the id %s", what, quoteID(id)))
	return false
}

// quoteID quotes an id for a message, cut to its first 40 characters.
func quoteID(id string) string {
	if utf8.RuneCountInString(id) > 40 {
		return fmt.Sprintf("%.40q...", id)
	}
	return strconv.Quote(id)
}
