package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// The modes of an alertReceiver.
const (
	receiverHangs   = iota // holds every request until its client goes
	receiverLimited        // answers 429 with Retry-After
	receiverHealthy        // accepts every alert
)

// alertReceiver is a webhook receiver whose behaviour the test switches,
// counting the alerts it accepted by event ID.
type alertReceiver struct {
	*httptest.Server
	mode     atomic.Int32
	hits     atomic.Int64
	mu       sync.Mutex
	accepted map[string]int
	got      chan string // the IDs accepted, as they come
}

func newAlertReceiver(t *testing.T, mode int32) *alertReceiver {
	t.Helper()
	rv := &alertReceiver{accepted: map[string]int{}, got: make(chan string, 100)}
	rv.mode.Store(mode)
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rv.hits.Add(1)
		switch rv.mode.Load() {
		case receiverHangs:
			// The body read, the server notices its client gone.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		case receiverLimited:
			w.Header().Set("Retry-After", "10")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		var ev struct{ ID string }
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.ID == "" {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		rv.mu.Lock()
		rv.accepted[ev.ID]++
		rv.mu.Unlock()
		rv.got <- ev.ID
	}))
	t.Cleanup(rv.Close)
	return rv
}

// next waits for the next alert accepted.
func (rv *alertReceiver) next(t *testing.T) string {
	t.Helper()
	select {
	case id := <-rv.got:
		return id
	case <-time.After(2 * time.Minute):
		require.FailNow(t, "no alert arrived")
		return ""
	}
}

// counts returns the alerts accepted, by event ID.
func (rv *alertReceiver) counts() map[string]int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	c := make(map[string]int, len(rv.accepted))
	for k, v := range rv.accepted {
		c[k] = v
	}
	return c
}

// flappingTarget fails and passes in turn for its first n requests, then
// passes: a plan on it makes n transitions (failing, recovered, ...).
func flappingTarget(t *testing.T, n int64) *httptest.Server {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if h := hits.Add(1); h <= n && h%2 == 1 {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// owed counts the alerts owed in the test's schema, -1 before serve
// created the table.
func (db *testDB) owed(t *testing.T) int {
	t.Helper()
	n := -1
	_ = db.pool.QueryRow(t.Context(), `SELECT count(*) FROM `+pgx.Identifier{db.schema}.Sanitize()+`.alert_deliveries`).Scan(&n)
	return n
}

// waitFor waits until cond holds, checking it when the process logs.
func waitFor(t *testing.T, msg string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 2*time.Minute, 100*time.Millisecond, msg)
}

// TestServeAlertSurvivesSIGKILL is the first case: serve on
// PostgreSQL decides an alert and is killed with SIGKILL while the
// receiver hangs on it; started again with the receiver healthy, it
// delivers the alert, once.
func TestServeAlertSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	bin := buildBinary(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(target.Close)
	rv := newAlertReceiver(t, receiverHangs)
	dir := t.TempDir()
	writePlan(t, dir, "down.yaml", "name: down\nschedule: \"@every 1s\"\nsteps:\n  - get: {host: \"{{URL}}/\", expect: {status_code: 200}}\n", target.URL)
	args := []string{"--database-url", db.url, "--schema", db.schema, "--webhook", rv.URL, dir}

	first := startServeProcess(t, bin, args...)
	waitFor(t, "the receiver holds the alert", func() bool { return rv.hits.Load() > 0 })
	require.Equal(t, 1, db.owed(t), "the alert is owed in the store")
	require.NoError(t, first.cmd.Process.Kill())
	_ = first.wait(t)
	killed := time.Now()

	rv.mode.Store(receiverHealthy)
	second := startServeProcess(t, bin, args...)
	id := rv.next(t)
	delivered := time.Since(killed)
	require.Regexp(t, `:failing$`, id)
	waitFor(t, "the delivery is marked done", func() bool { return db.owed(t) == 0 })
	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, second.wait(t), logText(second.stderr))
	require.Equal(t, map[string]int{id: 1}, rv.counts(), "the alert, once")
	t.Logf("SIGKILL while the receiver hung: 1 of 1 alert delivered after the restart, %s after the kill", delivered.Round(time.Second))
}

// TestServeAlertsSurviveSIGTERM is the second case: the receiver
// answers 429 with Retry-After while 8 alerts are owed; SIGTERM leaves
// them owed (deferred, not dropped); started again with the receiver
// healthy, serve delivers all 8, each once.
func TestServeAlertsSurviveSIGTERM(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	bin := buildBinary(t)
	target := flappingTarget(t, 8)
	rv := newAlertReceiver(t, receiverLimited)
	dir := t.TempDir()
	writePlan(t, dir, "flap.yaml", "name: flap\nschedule: \"@every 1s\"\nsteps:\n  - get: {host: \"{{URL}}/\", expect: {status_code: 200}}\n", target.URL)
	args := []string{"--database-url", db.url, "--schema", db.schema, "--webhook", rv.URL, "--shutdown-timeout", "2s", dir}

	first := startServeProcess(t, bin, args...)
	waitFor(t, "8 alerts owed", func() bool { return db.owed(t) == 8 })
	require.NoError(t, first.cmd.Process.Signal(syscall.SIGTERM))
	_ = first.wait(t) // past its deadline, serve says so in its exit code
	require.Contains(t, logText(first.stderr), "alert deferred")
	require.NotContains(t, logText(first.stderr), "alert dropped")
	require.Equal(t, 8, db.owed(t), "still owed after the stop")
	require.Empty(t, rv.counts())

	rv.mode.Store(receiverHealthy)
	second := startServeProcess(t, bin, args...)
	for range 8 {
		rv.next(t)
	}
	waitFor(t, "the deliveries are marked done", func() bool { return db.owed(t) == 0 })
	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, second.wait(t), logText(second.stderr))
	got := rv.counts()
	require.Len(t, got, 8)
	for id, n := range got {
		require.Equal(t, 1, n, id)
	}
	t.Logf("SIGTERM with 429 and Retry-After: 8 of 8 alerts delivered after the restart")
}

// TestServeReplicasDeliverOnce is the third case: two serve
// processes on one database (River schedules each tick once), a plan that
// makes 8 transitions; each alert is delivered once between them.
func TestServeReplicasDeliverOnce(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	bin := buildBinary(t)
	target := flappingTarget(t, 8)
	rv := newAlertReceiver(t, receiverHealthy)
	dir := t.TempDir()
	writePlan(t, dir, "flap.yaml", "name: flap\nschedule: \"@every 1s\"\nsteps:\n  - get: {host: \"{{URL}}/\", expect: {status_code: 200}}\n", target.URL)
	args := []string{"--database-url", db.url, "--schema", db.schema, "--webhook", rv.URL, dir}
	procs := []*serveProcess{startServeProcess(t, bin, args...), startServeProcess(t, bin, args...)}
	for range 8 {
		rv.next(t)
	}
	waitFor(t, "the deliveries are marked done", func() bool { return db.owed(t) == 0 })
	for _, p := range procs {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, p.wait(t), logText(p.stderr))
	}
	got := rv.counts()
	require.Len(t, got, 8, "8 transitions, 8 alerts")
	for id, n := range got {
		require.Equal(t, 1, n, id)
	}
	t.Logf("two replicas on one PostgreSQL: 8 alerts, each delivered once (%d deliveries)", len(got))
}
