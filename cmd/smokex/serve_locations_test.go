package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
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
}

func newLocationsCluster(t *testing.T, plans map[string]string) *locationsCluster {
	t.Helper()
	c := &locationsCluster{t: t, db: newTestDB(t), bin: buildBinary(t), dir: t.TempDir(), from: map[string]int{}}
	c.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.from[r.URL.Query().Get("from")]++
		c.mu.Unlock()
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

// ticks reads the finished executions of ticks, by plan, location and
// due time, with the lateness of the first.
func (c *locationsCluster) ticks() []locTick {
	c.t.Helper()
	rows, err := c.db.pool.Query(c.t.Context(), `SELECT plan_id, location, scheduled_at, count(*), min(created_at - scheduled_at)
		FROM `+pgx.Identifier{c.db.schema}.Sanitize()+`.executions
		WHERE scheduled_at IS NOT NULL AND status IN ('passed', 'failed', 'degraded') GROUP BY 1, 2, 3 ORDER BY 3`)
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

// requireEveryTick checks that planID ran each second from from to until
// in each location once, and returns the lateness per location (p50,
// max).
func (c *locationsCluster) requireEveryTick(planID string, from, until time.Time, locations ...string) map[string][2]time.Duration {
	c.t.Helper()
	seen := map[string]map[time.Time]bool{}
	late := map[string][]time.Duration{}
	for _, k := range c.ticks() {
		if k.Plan != planID {
			continue
		}
		require.Equal(c.t, 1, k.N, "%s due %s ran %d times in %s", k.Plan, k.Due, k.N, k.Location)
		if seen[k.Location] == nil {
			seen[k.Location] = map[time.Time]bool{}
		}
		seen[k.Location][k.Due.UTC()] = true
		if k.Due.After(from) {
			late[k.Location] = append(late[k.Location], k.Late)
		}
	}
	out := map[string][2]time.Duration{}
	for _, loc := range locations {
		var missing []string
		for at := from.UTC().Truncate(time.Second).Add(2 * time.Second); at.Before(until.Add(-time.Second)); at = at.Add(time.Second) {
			if !seen[loc][at] {
				missing = append(missing, at.Format(time.TimeOnly))
			}
		}
		require.Empty(c.t, missing, "%s missed ticks in %s between %s and %s", planID, loc, from.Format(time.TimeOnly), until.Format(time.TimeOnly))
		ds := late[loc]
		if len(ds) > 0 {
			slices.Sort(ds)
			out[loc] = [2]time.Duration{ds[len(ds)/2], ds[len(ds)-1]}
		}
	}
	return out
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
	late := c.requireEveryTick("both", start, end, "eu-west", "us-east")
	for _, p := range []*serveProcess{us2, eu} {
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		require.NoError(t, p.wait(t), logText(p.stderr))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Positive(t, c.from["eu-west"])
	require.Positive(t, c.from["us-east"])
	require.Zero(t, c.from[""], "a run without a location")
	t.Logf("leader %s (us-east) SIGKILLed at %s; every tick ran once in each location from %s to %s; lateness (due to created) p50/max: eu-west %s/%s, us-east %s/%s",
		leader, killed.Format(time.TimeOnly), start.Format(time.TimeOnly), end.Format(time.TimeOnly),
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
