package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/cronspec"
)

// locationsCluster is serve processes and agents of several locations on
// one database, and a target that counts the requests by ?from=.
type locationsCluster struct {
	t      *testing.T
	db     *testDB
	bin    string
	dir    string
	target *httptest.Server
	mu     sync.Mutex
	from   map[string]int
	// failing are the locations (?from=) the target answers 503.
	failing map[string]bool
	// procs are the processes serve started, whose logs explain a tick
	// that was not recorded.
	procs []*serveProcess
}

func newLocationsCluster(t *testing.T, plans map[string]string) *locationsCluster {
	t.Helper()
	c := &locationsCluster{t: t, db: newTestDB(t), bin: buildBinary(t), dir: t.TempDir(), from: map[string]int{}, failing: map[string]bool{}}
	c.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from := r.URL.Query().Get("from")
		c.mu.Lock()
		c.from[from]++
		bad := c.failing[from]
		c.mu.Unlock()
		if bad {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.target.Close)
	for name, src := range plans {
		require.NoError(t, os.WriteFile(filepath.Join(c.dir, name+".yaml"), []byte(src), 0o600))
	}
	return c
}

// serve starts a serve process of location on the plans' folder.
func (c *locationsCluster) serve(location string, more ...string) *serveProcess {
	c.t.Helper()
	args := append([]string{"--database-url", c.db.url, "--schema", c.db.schema, "--var", "base=" + c.target.URL,
		"--river-job-timeout", "3s", "--location", location}, more...)
	p := startServeProcess(c.t, c.bin, append(args, c.dir)...)
	c.procs = append(c.procs, p)
	p.waitLog(c.t, `msg="smokex serve: started"`)
	return p
}

// leader is the client ID of River's leader, "" when none.
func (c *locationsCluster) leader() string {
	var id string
	err := c.db.pool.QueryRow(c.t.Context(), `SELECT leader_id FROM `+pgx.Identifier{c.db.schema}.Sanitize()+`.river_leader WHERE expires_at > now()`).Scan(&id)
	if err != nil {
		return ""
	}
	return id
}

// locTick is the executions of one tick in one location.
type locTick struct {
	Plan, Location string
	Due            time.Time
	N              int
	Late           time.Duration
}

// ticks reads the finished executions of ticks (those skipped as late
// included), by plan, location and due time, with the lateness of the
// first.
func (c *locationsCluster) ticks() []locTick {
	c.t.Helper()
	rows, err := c.db.pool.Query(c.t.Context(), `SELECT plan_id, location, scheduled_at, count(*), min(created_at - scheduled_at)
		FROM `+pgx.Identifier{c.db.schema}.Sanitize()+`.executions
		WHERE scheduled_at IS NOT NULL AND status IN ('passed', 'failed', 'degraded', 'canceled') GROUP BY 1, 2, 3 ORDER BY 3`)
	require.NoError(c.t, err)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[locTick])
	require.NoError(c.t, err)
	return got
}

// waitTicks waits until each location has n ticks of planID due after
// from.
func (c *locationsCluster) waitTicks(planID string, from time.Time, n int, locations ...string) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		got := map[string]int{}
		for _, k := range c.ticks() {
			if k.Plan == planID && k.Due.After(from) {
				got[k.Location]++
			}
		}
		for _, loc := range locations {
			if got[loc] < n {
				return false
			}
		}
		return true
	}, 90*time.Second, 100*time.Millisecond, "%s has not run %d ticks in each of %v since %s", planID, n, locations, from.Format(time.TimeOnly))
}

// requireEveryTick waits until planID has recorded each tick from from to
// until in each location (run, or skipped as late: on a loaded machine a
// tick may be recorded seconds after its due time, and those a killed
// process had fetched only once River rescues them), or a process logged
// that it skipped that very tick for overlap (a run of the killed process
// holds its plan in its location until StaleAfter, a run longer than the
// interval the next tick: the overlap policy, which the hooks hear of and
// the store does not keep), checks that none ran twice, and returns the
// lateness per location (p50, max) and the ticks skipped for overlap. A
// tick never accounted for fails the test with what the database and the
// processes' logs hold of it (explainTicks).
func (c *locationsCluster) requireEveryTick(planID string, from, until time.Time, locations ...string) (map[string][2]time.Duration, []dueIn) {
	c.t.Helper()
	var ticks []locTick
	var overlaps []dueIn
	missing := func() []dueIn {
		ticks = c.ticks()
		overlaps = nil
		skipped := c.overlapSkips(planID)
		seen := map[string]map[time.Time]bool{}
		for _, k := range ticks {
			if k.Plan != planID {
				continue
			}
			if seen[k.Location] == nil {
				seen[k.Location] = map[time.Time]bool{}
			}
			seen[k.Location][k.Due.UTC()] = true
		}
		var out []dueIn
		every := cronspec.EveryFor(planID, time.Second) // the plan's due times, "@every 1s"
		for _, loc := range locations {
			for at := every.Next(from.UTC().Add(time.Second)); at.Before(until.Add(-time.Second)); at = every.Next(at) {
				switch tick := (dueIn{Location: loc, Due: at}); {
				case seen[loc][at]:
				case skipped[tick]:
					overlaps = append(overlaps, tick)
				default:
					out = append(out, tick)
				}
			}
		}
		return out
	}
	deadline := time.Now().Add(2 * time.Minute)
	for gone := missing(); len(gone) > 0; gone = missing() {
		if time.Now().After(deadline) {
			require.FailNow(c.t, fmt.Sprintf("%s never recorded ticks between %s and %s", planID, from.Format(time.TimeOnly), until.Format(time.TimeOnly)),
				"%s", c.explainTicks(planID, gone))
		}
		time.Sleep(200 * time.Millisecond)
	}
	late := map[string][]time.Duration{}
	for _, k := range ticks {
		if k.Plan != planID {
			continue
		}
		require.Equal(c.t, 1, k.N, "%s due %s ran %d times in %s", k.Plan, k.Due, k.N, k.Location)
		if k.Due.After(from) {
			late[k.Location] = append(late[k.Location], k.Late)
		}
	}
	out := map[string][2]time.Duration{}
	for _, loc := range locations {
		if ds := late[loc]; len(ds) > 0 {
			slices.Sort(ds)
			out[loc] = [2]time.Duration{ds[len(ds)/2], ds[len(ds)-1]}
		}
	}
	return out, overlaps
}

// overlapLine is the log line of a tick skipped for overlap.
var overlapLine = regexp.MustCompile(`msg="smokex: scheduled run skipped, previous execution still running" plan=(\S+) due=(\S+) location=(\S+)`)

// overlapSkips are the ticks of planID that the processes logged as
// skipped for overlap, by location and due time (logged to the
// millisecond, as the due times of "@every" are).
func (c *locationsCluster) overlapSkips(planID string) map[dueIn]bool {
	c.t.Helper()
	out := map[dueIn]bool{}
	for _, p := range c.procs {
		for _, m := range overlapLine.FindAllStringSubmatch(logText(p.stderr), -1) {
			if m[1] != planID {
				continue
			}
			due, err := time.Parse(time.RFC3339Nano, m[2])
			require.NoError(c.t, err, m[0])
			out[dueIn{Location: m[3], Due: due.UTC()}] = true
		}
	}
	return out
}

// dueIn is one tick of a plan in one location.
type dueIn struct {
	Location string
	Due      time.Time
}

// explainTicks says, for each tick of planID in gone, what the database
// holds of it (its River jobs, with their state, attempts, errors and the
// clients that worked them, and the plan's executions in its location
// from two intervals before it to two after) and what the processes
// logged of the plan's ticks skipped or handed over again.
func (c *locationsCluster) explainTicks(planID string, gone []dueIn) string {
	c.t.Helper()
	schema := pgx.Identifier{c.db.schema}.Sanitize()
	var b strings.Builder
	for _, m := range gone {
		fmt.Fprintf(&b, "\n%s due %s (%s): ", m.Location, m.Due.Format("15:04:05.000"), m.Due.Format(time.RFC3339Nano))
		rows, err := c.db.pool.Query(c.t.Context(), `SELECT id, state, attempt, errors::text, attempted_by, created_at, attempted_at, finalized_at
			FROM `+schema+`.river_job WHERE args->>'id' = $1 AND (args->>'due')::timestamptz = $2 AND coalesce(args->>'location', '') = $3 ORDER BY id`,
			planID, m.Due, m.Location)
		require.NoError(c.t, err)
		type jobRow struct {
			ID                   int64
			State                string
			Attempt              int
			Errors               *string
			AttemptedBy          []string
			Created              time.Time
			Attempted, Finalized *time.Time
		}
		jobs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[jobRow])
		require.NoError(c.t, err)
		if len(jobs) == 0 {
			b.WriteString("no River job")
		}
		for _, j := range jobs {
			fmt.Fprintf(&b, "River job %d %s attempt %d attempted_by %v created %s attempted %s finalized %s errors %s",
				j.ID, j.State, j.Attempt, j.AttemptedBy, j.Created.Format("15:04:05.000"), clock(j.Attempted), clock(j.Finalized), deref(j.Errors))
		}
		rows, err = c.db.pool.Query(c.t.Context(), `SELECT id, status, coalesce(stop_reason, ''), scheduled_at, created_at, started_at, finished_at, coalesce(error::text, '')
			FROM `+schema+`.executions WHERE plan_id = $1 AND location = $2 AND scheduled_at BETWEEN $3 AND $4 ORDER BY scheduled_at`,
			planID, m.Location, m.Due.Add(-2*time.Second), m.Due.Add(2*time.Second))
		require.NoError(c.t, err)
		type execRow struct {
			ID, Status, StopReason string
			Due, Created           time.Time
			Started, Finished      *time.Time
			Error                  string
		}
		execs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[execRow])
		require.NoError(c.t, err)
		for _, x := range execs {
			fmt.Fprintf(&b, "\n\texecution %s due %s %s %s created %s started %s finished %s %s",
				x.ID, x.Due.Format("15:04:05.000"), x.Status, x.StopReason, x.Created.Format("15:04:05.000"), clock(x.Started), clock(x.Finished), x.Error)
		}
	}
	b.WriteString("\nlogged of its ticks:")
	for i, p := range c.procs {
		for line := range strings.Lines(logText(p.stderr)) {
			if (strings.Contains(line, "plan="+planID) || strings.Contains(line, "id="+planID)) && (strings.Contains(line, "skipped") || strings.Contains(line, "handed over") || strings.Contains(line, "interrupted")) {
				fmt.Fprintf(&b, "\n\tprocess %d (pid %d): %s", i, p.cmd.Process.Pid, strings.TrimSpace(line))
			}
		}
	}
	return b.String()
}

// clock is t's time of day to the millisecond, "-" for nil.
func clock(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format("15:04:05.000")
}

// deref is *s, "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestServeLocations: three serve processes on one database, one in
// eu-west and two in us-east, and a plan in both locations @every 1s.
// Each tick runs once in each location, the two us-east processes sharing
// theirs, and the target sees ?from= each. The us-east process that leads
// River is SIGKILLed: the other carries on, and no tick of either
// location is missing.
func TestServeLocations(t *testing.T) {
	c := newLocationsCluster(t, map[string]string{
		"both": `name: both
schedule: "@every 1s"
locations: [eu-west, us-east]
steps:
  - get:
      url: "${base}/health?from=${location}"
`,
	})
	// The first process, alone, leads River.
	us1 := c.serve("us-east")
	require.Eventually(t, func() bool { return strings.HasSuffix(c.leader(), fmt.Sprintf("_%d", us1.cmd.Process.Pid)) }, time.Minute, 50*time.Millisecond,
		"the only process does not lead")
	leader := c.leader()
	us2 := c.serve("us-east")
	eu := c.serve("eu-west")
	start := time.Now()
	c.waitTicks("both", start, 5, "eu-west", "us-east")
	require.NoError(t, us1.cmd.Process.Kill())
	killed := time.Now()
	_ = us1.wait(t)
	c.waitTicks("both", killed.Add(time.Second), 5, "eu-west", "us-east")
	end := time.Now()
	late, overlaps := c.requireEveryTick("both", start, end, "eu-west", "us-east")
	for _, p := range []*serveProcess{us2, eu} {
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		require.NoError(t, p.wait(t), logText(p.stderr))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Positive(t, c.from["eu-west"])
	require.Positive(t, c.from["us-east"])
	require.Zero(t, c.from[""], "a run without a location")
	t.Logf("leader %s (us-east) SIGKILLed at %s; every tick ran once in each location from %s to %s, but %v skipped for overlap; lateness (due to created) p50/max: eu-west %s/%s, us-east %s/%s",
		leader, killed.Format(time.TimeOnly), start.Format(time.TimeOnly), end.Format(time.TimeOnly), overlaps,
		late["eu-west"][0].Round(time.Millisecond), late["eu-west"][1].Round(time.Millisecond),
		late["us-east"][0].Round(time.Millisecond), late["us-east"][1].Round(time.Millisecond))
}

// TestAgent: a serve process without a location and an agent of eu-west,
// on one database. The agent, which reads its plans from the database,
// runs every tick of the plan in eu-west, and none of the plan without
// locations, which the serve process runs.
func TestAgent(t *testing.T) {
	c := newLocationsCluster(t, map[string]string{
		"eu": `name: eu
schedule: "@every 1s"
locations: [eu-west]
steps:
  - get:
      url: "${base}/health?from=${location}"
`,
		"anywhere": `name: anywhere
schedule: "@every 1s"
steps:
  - get:
      url: "${base}/health?from=none"
`,
	})
	srv := startServeProcess(t, c.bin, "--database-url", c.db.url, "--schema", c.db.schema, "--var", "base="+c.target.URL, c.dir)
	srv.waitLog(t, `msg="smokex serve: started"`)
	agent := startProcess(t, c.bin, "agent", "--database-url", c.db.url, "--schema", c.db.schema, "--var", "base="+c.target.URL, "--location", "eu-west")
	agent.waitLog(t, `msg="smokex serve: started"`)
	start := time.Now()
	c.waitTicks("eu", start, 3, "eu-west")
	c.waitTicks("anywhere", start, 3, "")
	for _, p := range []*serveProcess{agent, srv} {
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		require.NoError(t, p.wait(t), logText(p.stderr))
	}
	require.NotContains(t, logText(agent.stderr), "listening", "the agent serves nothing")
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Positive(t, c.from["eu-west"])
	require.Positive(t, c.from["none"])
}

// alertSink is a webhook that keeps the alerts it is sent.
type alertSink struct {
	mu     sync.Mutex
	events []map[string]any
	srv    *httptest.Server
}

func newAlertSink(t *testing.T) *alertSink {
	s := &alertSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e map[string]any
		if err := json.NewDecoder(r.Body).Decode(&e); err == nil {
			s.mu.Lock()
			s.events = append(s.events, e)
			s.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// count counts the alerts of the transition, of the location when one is
// given.
func (s *alertSink) count(transition string, location ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.events {
		if e["transition"] == transition && (len(location) == 0 || e["location"] == location[0]) {
			n++
		}
	}
	return n
}

// TestServeLocationsQuorumAndUnavailable: two serve processes, eu-west
// and us-east, alerting to a webhook, and a plan in both locations with
// min_failing_locations: 2. Its target failing for eu-west alone raises
// no alert; failing for both raises one. Then the eu-west process is
// SIGKILLed: the location is reported unavailable by the API and by one
// alert, within --location-timeout plus the heartbeat interval.
func TestServeLocationsQuorumAndUnavailable(t *testing.T) {
	c := newLocationsCluster(t, map[string]string{
		"geo": `name: geo
schedule: "@every 1s"
locations: [eu-west, us-east]
alerts: {min_failing_locations: 2}
steps:
  - get:
      url: "${base}/health?from=${location}"
`,
	})
	fail := func(locs ...string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, l := range locs {
			c.failing[l] = true
		}
	}
	sink := newAlertSink(t)
	const timeout = 8 * time.Second
	more := []string{"--webhook", sink.srv.URL, "--location-timeout", timeout.String()}
	eu := c.serve("eu-west", more...)
	us := c.serve("us-east", more...)
	statusOf := func(loc string) map[string]int {
		rows, err := c.db.pool.Query(c.t.Context(), `SELECT status, count(*) FROM `+pgx.Identifier{c.db.schema}.Sanitize()+`.executions
			WHERE plan_id = 'geo' AND location = $1 AND created_at > $2 GROUP BY 1`, loc, time.Now().Add(-time.Hour))
		require.NoError(t, err)
		out := map[string]int{}
		var s string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&s, &n}, func() error { out[s] = n; return nil })
		require.NoError(t, err)
		return out
	}
	c.waitTicks("geo", time.Now(), 2, "eu-west", "us-east")

	// eu-west alone fails: three of its ticks fail, us-east's pass, and
	// no alert comes.
	fail("eu-west")
	require.Eventually(t, func() bool { return statusOf("eu-west")["failed"] >= 3 }, time.Minute, 100*time.Millisecond)
	passedUS := statusOf("us-east")["passed"]
	require.Eventually(t, func() bool { return statusOf("us-east")["passed"] >= passedUS+2 }, time.Minute, 100*time.Millisecond)
	require.Zero(t, sink.count("failing"), "an alert with one location of two failing")

	// Both fail: one alert, naming both.
	fail("us-east")
	require.Eventually(t, func() bool { return sink.count("failing") > 0 }, time.Minute, 100*time.Millisecond, "no alert with both failing")
	failedUS := statusOf("us-east")["failed"]
	require.Eventually(t, func() bool { return statusOf("us-east")["failed"] >= failedUS+3 }, time.Minute, 100*time.Millisecond)
	require.Equal(t, 1, sink.count("failing"), "alerts while both keep failing")
	sink.mu.Lock()
	for _, e := range sink.events {
		if e["transition"] == "failing" {
			require.ElementsMatch(t, []any{"eu-west", "us-east"}, e["failing_locations"])
		}
	}
	sink.mu.Unlock()

	// eu-west dies: reported unavailable, once.
	require.NoError(t, eu.cmd.Process.Kill())
	killed := time.Now()
	_ = eu.wait(t)
	require.Eventually(t, func() bool { return sink.count("location_unavailable", "eu-west") > 0 }, time.Minute, 50*time.Millisecond, "eu-west not reported unavailable")
	reported := time.Since(killed)
	url := regexp.MustCompile(`msg="smokex serve: listening" url=(\S+)`).FindStringSubmatch(logText(us.stderr))
	require.NotNil(t, url, logText(us.stderr))
	type apiLocation struct {
		Name      string `json:"name"`
		Available bool   `json:"available"`
		Processes []any  `json:"processes"`
	}
	var got struct {
		Locations []apiLocation `json:"locations"`
	}
	// The API says so too (a heartbeat of us-east late on a loaded
	// machine may make it look unavailable for a moment).
	require.Eventually(t, func() bool {
		resp, err := http.Get(strings.TrimSuffix(url[1], "/") + "/api/locations")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		return len(got.Locations) == 2 && got.Locations[0].Name == "eu-west" && !got.Locations[0].Available &&
			got.Locations[1].Available && len(got.Locations[1].Processes) == 1
	}, time.Minute, 100*time.Millisecond, "GET /api/locations: %+v", &got)
	// Two more heartbeats of us-east, each followed by a look at the
	// locations, and still one alert.
	seen := func() time.Time {
		var at time.Time
		require.NoError(t, c.db.pool.QueryRow(t.Context(), `SELECT max(seen_at) FROM `+pgx.Identifier{c.db.schema}.Sanitize()+`.heartbeats WHERE location = 'us-east'`).Scan(&at))
		return at
	}
	first := seen()
	require.Eventually(t, func() bool { return seen().Sub(first) >= 2*smokex.DefaultHeartbeatInterval }, time.Minute, 100*time.Millisecond)
	require.Equal(t, 1, sink.count("location_unavailable", "eu-west"), "alerts of eu-west unavailable")
	require.NoError(t, us.cmd.Process.Signal(os.Interrupt))
	require.NoError(t, us.wait(t), logText(us.stderr))
	t.Logf("eu-west SIGKILLed; reported unavailable after %s (--location-timeout %s, heartbeat every %s); one alert", reported.Round(100*time.Millisecond), timeout, smokex.DefaultHeartbeatInterval)
}
