package notifytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
)

// Features declares what a notifier does differently, instead of the
// suite skipping silently.
type Features struct {
	// Ignores lists the transitions the notifier does not deliver
	// (PagerDuty pages no one for a pass): Notify returns nil for them
	// without a request.
	Ignores []notify.Transition
}

// Run runs the suite on a notifier that delivers every event. newNotifier
// returns the notifier under test, sending to endpoint (an http:// URL of
// a server the suite runs, with a client from Client); it is called once
// per scenario, from parallel subtests.
func Run(t *testing.T, newNotifier func(t *testing.T, endpoint string) notify.Notifier) {
	t.Helper()
	RunFeatures(t, Features{}, newNotifier)
}

// Client returns an HTTP client with a transport of its own, whose idle
// connections are closed when t ends. Give it to the notifier that
// newNotifier returns: every httptest.Server's Close closes the idle
// connections of http.DefaultTransport, so that a notifier on
// http.DefaultClient may have a request in flight broken by a parallel
// scenario's server closing ("connection broken: http:
// CloseIdleConnections called").
func Client(t *testing.T) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// RunFeatures runs the suite on a notifier with the features.
func RunFeatures(t *testing.T, f Features, newNotifier func(t *testing.T, endpoint string) notify.Notifier) {
	t.Helper()
	s := suite{newNotifier: newNotifier, features: f}
	for _, c := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"DeliversEveryEvent", s.delivers},
		{"NonSuccessNamesStatus", s.nonSuccess},
		{"RetryAfterIsKept", s.retryAfter},
		{"HonoursCancellation", s.cancellation},
		{"CanceledBeforeCall", s.canceledBefore},
		{"ConcurrentUse", s.concurrent},
		{"NoGoroutineLeft", s.noLeak},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

type suite struct {
	newNotifier func(t *testing.T, endpoint string) notify.Notifier
	features    Features
}

// server runs h and counts its requests.
type server struct {
	*httptest.Server
	hits atomic.Int64
}

func (s suite) serve(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	srv := &server{}
	srv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (s suite) notifier(t *testing.T, endpoint string) notify.Notifier {
	t.Helper()
	n := s.newNotifier(t, endpoint)
	require.NotNil(t, n, "newNotifier returned nil")
	return n
}

func ok(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }

func (s suite) delivers(t *testing.T) {
	srv := s.serve(t, ok)
	n := s.notifier(t, srv.URL+"/hook")
	want := int64(0)
	for i, e := range Events() {
		require.NoError(t, n.Notify(t.Context(), e), "event %d (%s)", i, e.Transition)
		if !slices.Contains(s.features.Ignores, e.Transition) {
			want++
		}
		require.Equal(t, want, srv.hits.Load(), "event %d (%s) is one request, or none when ignored", i, e.Transition)
	}
}

func (s suite) nonSuccess(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		srv := s.serve(t, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no thanks", code) })
		err := s.notifier(t, srv.URL).Notify(t.Context(), Events()[0])
		require.Error(t, err, "status %d is an error", code)
		require.Contains(t, err.Error(), fmt.Sprint(code), "the error names the status")
		var se *notify.StatusError
		require.ErrorAs(t, err, &se, "status %d", code)
		require.Equal(t, code, se.StatusCode)
		require.Equal(t, code == 429 || code >= 500, se.Temporary())
	}
}

func (s suite) retryAfter(t *testing.T) {
	srv := s.serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	err := s.notifier(t, srv.URL).Notify(t.Context(), Events()[0])
	var se *notify.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 7*time.Second, se.RetryAfter)
}

// hanging returns a server that answers only when the test ends or the
// request is canceled.
func (s suite) hanging(t *testing.T) *server {
	t.Helper()
	release := make(chan struct{})
	srv := s.serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

func (s suite) cancellation(t *testing.T) {
	srv := s.hanging(t)
	n := s.notifier(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := n.Notify(ctx, Events()[0])
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled),
		"the error wraps the context's: %v", err)
	require.Less(t, time.Since(start), 2*time.Second, "Notify returns when its context ends")
}

func (s suite) canceledBefore(t *testing.T) {
	srv := s.serve(t, ok)
	n := s.notifier(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := n.Notify(ctx, Events()[0])
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, srv.hits.Load(), "nothing is sent on a canceled context")
}

func (s suite) concurrent(t *testing.T) {
	srv := s.serve(t, ok)
	n := s.notifier(t, srv.URL)
	const calls = 16
	var (
		wg   sync.WaitGroup
		errs = make(chan error, calls)
	)
	for i := range calls {
		wg.Go(func() { errs <- n.Notify(t.Context(), Events()[i%2]) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(calls), srv.hits.Load())
}

// noLeak checks that goroutines started by Notify are gone once it
// returned and its servers closed: it compares counts, since the suite's
// scenarios run in parallel and a package's test may run more.
func (s suite) noLeak(t *testing.T) {
	srv := s.serve(t, ok)
	hang := s.hanging(t)
	n := s.notifier(t, srv.URL)
	h := s.notifier(t, hang.URL)
	for range 5 {
		require.NoError(t, n.Notify(t.Context(), Events()[0]))
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		require.Error(t, h.Notify(ctx, Events()[0]))
		cancel()
	}
	srv.CloseClientConnections()
	hang.CloseClientConnections()
	// Goroutines of Notify's own (not net/http's idle connections, which
	// the closed servers end) must not remain.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := ownGoroutines()
		if left == "" {
			return
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "goroutines left behind by Notify", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ownGoroutines returns the stacks of goroutines that run code of the
// notifier's packages rather than of the standard library or the suite.
func ownGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "notify.(*Policy)") || strings.Contains(g, "notifytest.") || strings.Contains(g, "testing.") {
			continue
		}
		if strings.Contains(g, "/notify/") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// Events returns one event of each kind, as a policy makes them: failing
// with a failed assertion, still failing with a step error, recovered,
// passed, and failing on an execution error, with links and labels.
func Events() []*notify.Event {
	at := time.Date(2026, time.March, 14, 15, 9, 26, 0, time.UTC)
	plan := &record.PlanRef{ID: "checkout", Name: "Checkout API", Labels: map[string]string{"team": "payments"}}
	exec := func(id string, status record.Status, steps ...record.StepResult) *record.Execution {
		return &record.Execution{
			ID: id, PlanID: plan.ID, PlanName: plan.Name, Trigger: record.TriggerSchedule, Status: status,
			CreatedAt: at, StartedAt: at.Add(time.Second), FinishedAt: at.Add(1500 * time.Millisecond), Steps: steps,
		}
	}
	okStep := record.StepResult{Index: 0, Name: "login", Method: "POST", URL: "https://api.example.com/login", OK: true, Attempts: 1,
		Response: &record.Response{StatusCode: 200, Body: `{"token":"[REDACTED]"}`, Size: 22}}
	failed := record.StepResult{Index: 1, Name: "pay", Method: "POST", URL: "https://api.example.com/pay", Attempts: 1,
		Response: &record.Response{StatusCode: 503, Body: "upstream <b>unavailable</b> & more", Size: 34},
		Failures: []record.Failure{
			{Type: record.FailureStatusCode, Name: "status_code", Expected: "200", Received: "503"},
			{Type: record.FailureJSON, Name: "$.status", Expected: `"ok"`, Received: "(not JSON)"},
		}}
	errored := record.StepResult{Index: 1, Name: "pay", Method: "POST", URL: "https://api.example.com/pay", Attempts: 3,
		Error: &record.StepError{Kind: record.ErrTimeout, Message: "no answer within 5s"}}
	links := notify.LinksFor("https://ops.example.com/smokex/", plan.ID, "")
	mk := func(t notify.Transition, x *record.Execution, fails, passes int) *notify.Event {
		e := notify.NewEvent(t, plan, x, 0)
		e.Time = at.Add(2 * time.Second)
		e.ConsecutiveFailures, e.ConsecutivePasses = fails, passes
		if t.Bad() || t == notify.TransitionRecovered {
			e.FailingSince = at
		}
		e.Links = notify.LinksFor("https://ops.example.com/smokex/", plan.ID, x.ID)
		return e
	}
	whole := exec("x5", record.StatusFailed)
	whole.Error = &record.StepError{Kind: record.ErrRequest, Message: "secret source unavailable"}
	events := []*notify.Event{
		mk(notify.TransitionFailing, exec("x1", record.StatusFailed, okStep, failed), 1, 0),
		mk(notify.TransitionStillFailing, exec("x2", record.StatusFailed, okStep, errored), 4, 0),
		mk(notify.TransitionRecovered, exec("x3", record.StatusPassed, okStep), 0, 1),
		mk(notify.TransitionPassed, exec("x4", record.StatusPassed, okStep), 0, 2),
		mk(notify.TransitionFailing, whole, 1, 0),
	}
	events[3].Links = links // a plan link only
	// An incident's update: no execution, a message people wrote.
	incident := notify.NewEvent(notify.TransitionIncident, plan, nil, 0)
	incident.ID, incident.Time = "incident-inc-1-2", at.Add(time.Minute)
	incident.Incident = &notify.IncidentNotice{ID: "inc-1", Title: "Checkout <errors> & timeouts", Status: "identified",
		Message: "A bad deploy; rolling back *now*.", At: at.Add(time.Minute), Plans: []string{plan.ID}}
	events = append(events, incident)
	return events
}

// Injections are answers by which a target could try to write markup into
// an alert: a Slack mention and link, a markdown link, an HTML link, a
// Discord mention. A provider's test sends HostileEvent of each and checks
// that its markup shows them as text.
func Injections() []string {
	return []string{
		"<!channel>",
		"<https://evil.example|Login again>",
		"[Login again](https://evil.example)",
		`<a href="https://evil.example">Login again</a>`,
		"@everyone **urgent** <@&123>",
	}
}

// HostileEvent returns a failing event in which every value that comes
// from a target, or from a plan's author, holds s: the plan's name, the
// failed step's URL, the received value of a status, a header
// and a body assertion, and the step's error text.
func HostileEvent(s string) *notify.Event {
	at := time.Date(2026, time.March, 14, 15, 9, 26, 0, time.UTC)
	plan := &record.PlanRef{ID: "checkout", Name: "Checkout " + s}
	x := &record.Execution{
		ID: "x1", PlanID: plan.ID, PlanName: plan.Name, Trigger: record.TriggerSchedule, Status: record.StatusFailed,
		CreatedAt: at, StartedAt: at, FinishedAt: at.Add(time.Second),
		Steps: []record.StepResult{{
			Index: 0, Name: "pay", Method: "GET", URL: "https://api.example.com/pay?next=" + s, Attempts: 1,
			Response: &record.Response{StatusCode: 401, Body: s},
			Failures: []record.Failure{
				{Type: record.FailureStatusCode, Name: "status_code", Expected: "200", Received: "401 " + s},
				{Type: record.FailureHeader, Name: "Location", Expected: "present", Received: s},
				{Type: record.FailureString, Name: "body", Expected: "ok", Received: s},
			},
			Error: &record.StepError{Kind: record.ErrRequest, Message: "answer: " + s},
		}},
	}
	e := notify.NewEvent(notify.TransitionFailing, plan, x, 0)
	e.Time = at.Add(2 * time.Second)
	e.ConsecutiveFailures = 1
	e.Links = notify.LinksFor("https://ops.example.com/smokex/", plan.ID, x.ID)
	return e
}
