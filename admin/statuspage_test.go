package admin_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/storage"
)

// statusPagesYAML is the page the tests serve.
const statusPagesYAML = `
- slug: public
  title: Acme API
  description: Live status of the Acme public API
  groups:
    - name: API
      plans: [up, down]
    - name: Core
      labels: {team: core}
`

func statusPages(t *testing.T) []admin.StatusPage {
	t.Helper()
	pages, err := admin.ParseStatusPages([]byte(statusPagesYAML))
	require.NoError(t, err)
	return pages
}

// statusJSON is the part of /s/<slug>.json the tests read.
type statusJSON struct {
	Status, Summary, Title string
	Groups                 []struct {
		Name  string
		Plans []struct {
			ID, Name, Status string
			Uptime           map[string]*float64
			Days             []struct {
				Date   string
				Uptime *float64
				Runs   int
			}
		}
	}
}

func TestStatusPageNeedsNoToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{StatusPages: statusPages(t), Authorize: func(*http.Request) bool { return false }}, "/")
	f.Sync(t)
	require.NoError(t, admin.CheckStatusPages(statusPages(t), f.Eng.Plans()))
	f.Run(t, "up")
	f.Run(t, "down")

	code, _, body := f.Do(t, "GET", "api/plans", "")
	requireError(t, 401, "unauthorized", code, body)

	var page statusJSON
	require.Eventually(t, func() bool {
		code, hdr, body := f.Do(t, "GET", "s/public.json", "")
		require.Equal(t, 200, code, string(body))
		require.Equal(t, "application/json; charset=utf-8", hdr.Get("Content-Type"))
		require.NoError(t, json.Unmarshal(body, &page))
		return page.Status == "partial_outage"
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, "Partial outage", page.Summary)
	require.Equal(t, "Acme API", page.Title)
	require.Len(t, page.Groups, 2)
	api := page.Groups[0]
	require.Equal(t, "API", api.Name)
	require.Len(t, api.Plans, 2)
	up, down := api.Plans[0], api.Plans[1]
	require.Equal(t, "up", up.Name)
	require.Equal(t, "operational", up.Status)
	require.Equal(t, "outage", down.Status)
	require.Len(t, up.Days, 90)
	today := up.Days[89]
	require.Equal(t, time.Now().UTC().Format(time.DateOnly), today.Date)
	require.Equal(t, 1, today.Runs)
	require.Equal(t, 100.0, *today.Uptime)
	require.Equal(t, 100.0, *up.Uptime["90d"])
	require.Equal(t, 0.0, *down.Uptime["24h"])
	require.Nil(t, up.Days[0].Uptime, "no data 90 days ago")
	require.Equal(t, []string{"up"}, []string{page.Groups[1].Plans[0].ID}, "the label group")

	code, hdr, html := f.Do(t, "GET", "s/public", "", "Accept", "text/html")
	require.Equal(t, 200, code)
	require.Contains(t, hdr.Get("Content-Security-Policy"), "script-src 'self'")
	require.Contains(t, string(html), "Partial outage")
	require.Contains(t, string(html), "Live status of the Acme public API")
	for _, leak := range []string{f.Target.URL, "127.0.0.1", "/broken", "health", "status_code", "500"} {
		require.NotContains(t, string(html), leak, "the page shows names and states only")
		_, _, body := f.Do(t, "GET", "s/public.json", "")
		require.NotContains(t, string(body), leak)
	}

	// Built gzipped once, for clients that take it.
	code, hdr, gz := f.Do(t, "GET", "s/public", "", "Accept-Encoding", "gzip")
	require.Equal(t, 200, code)
	require.Equal(t, "gzip", hdr.Get("Content-Encoding"))
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, string(html), string(plain))

	code, _, _ = f.Do(t, "GET", "s/-/status.css", "")
	require.Equal(t, 200, code, "the page's assets need no token")
	for _, path := range []string{"s/nope", "s/nope.json", "s/nope/events", "s/-/style.css", "s/"} {
		code, _, _ := f.Do(t, "GET", path, "")
		require.Equal(t, 404, code, path)
	}
}

func TestStatusPageLiveUpdates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{StatusPages: statusPages(t)}, "/")
	f.Sync(t)
	code, _, _ := f.Do(t, "GET", "s/public.json", "")
	require.Equal(t, 200, code)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", f.URL+"s/public/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	// The stream is open once its first comment arrives.
	require.Equal(t, "retry: 5000", <-lines)
	f.Run(t, "down")
	for line := range lines {
		if line == "event: update" {
			break
		}
	}
	var page statusJSON
	_, _, body := f.Do(t, "GET", "s/public.json", "")
	require.NoError(t, json.Unmarshal(body, &page))
	require.Equal(t, "major_outage", page.Status, "down failed, up never ran")
}

func TestParseStatusPages(t *testing.T) {
	t.Parallel()
	pages := statusPages(t)
	require.Len(t, pages, 1)
	require.Equal(t, admin.StatusGroup{Name: "Core", Labels: map[string]string{"team": "core"}}, pages[0].Groups[1])

	for _, c := range []struct{ name, yaml, want string }{
		{"empty", "", "the file is empty"},
		{"empty list", "[]\n", "line 1: the list has no pages"},
		{"not a list", "slug: x\n", "line 1: the file must be a list of pages"},
		{"unknown key", "- slug: x\n  titel: X\n  groups: [{name: A, plans: [a]}]\n", `line 2, column 3: unknown key "titel" in a page; did you mean "title"?`},
		{"unknown group key", "- slug: x\n  groups:\n    - name: A\n      plan: [a]\n", `line 4, column 7: unknown key "plan" in a group; did you mean "plans"?`},
		{"bad slug", "- slug: Acme API\n  groups: [{name: A, plans: [a]}]\n", `status page slug "Acme API"`},
		{"no groups", "- slug: x\n", `status page "x" has no groups`},
		{"empty group", "- slug: x\n  groups: [{name: A}]\n", `status page "x", group "A" is empty`},
		{"both", "- slug: x\n  groups: [{name: A, plans: [a], labels: {k: v}}]\n", "plans or labels, not both"},
		{"nameless group", "- slug: x\n  groups: [{plans: [a]}]\n", `status page "x": group 1 has no name`},
		{"twice", "- slug: x\n  groups: [{name: A, plans: [a]}]\n- slug: x\n  groups: [{name: A, plans: [a]}]\n", `line 3: status page "x": the slug is taken by the page at line 1`},
		{"bad yaml", "- slug: [\n", "status pages: yaml:"},
	} {
		_, err := admin.ParseStatusPages([]byte(c.yaml))
		require.ErrorContains(t, err, c.want, c.name)
	}
}

func TestCheckStatusPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	pages, err := admin.ParseStatusPages([]byte("- slug: x\n  groups:\n    - {name: API, plans: [up, dwn]}\n    - {name: Web, labels: {team: web}}\n"))
	require.NoError(t, err)
	err = admin.CheckStatusPages(pages, f.Eng.Plans())
	require.ErrorContains(t, err, `status page "x", group "API": no plan has the id "dwn"; did you mean "down"?`)
	require.ErrorContains(t, err, `status page "x", group "Web" is empty: no plan has the labels {team: "web"}`)
	require.NoError(t, admin.CheckStatusPages(statusPages(t), f.Eng.Plans()))
}

func FuzzParseStatusPages(f *testing.F) {
	f.Add([]byte(statusPagesYAML))
	f.Add([]byte("- slug: x\n  groups: [{name: A, plans: [a]}]\n"))
	f.Add([]byte("- [1, 2]\n- slug: {a: b}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := admin.ParseStatusPages(data)
		if err != nil {
			require.Nil(t, pages)
			return
		}
		require.NotEmpty(t, pages)
		for _, p := range pages {
			require.NotEmpty(t, p.Groups)
		}
	})
}

// atom is the part of an Atom feed the tests read.
type atom struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

func TestIncidentOnPageAndFeed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{StatusPages: statusPages(t), AllowIncidents: true}, "/")
	f.Sync(t)
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		code, _, b := f.Do(t, "POST", path, body, "Content-Type", "application/json")
		var out map[string]any
		require.NoError(t, json.Unmarshal(b, &out), string(b))
		return code, out
	}
	// An automatic incident of the day before, whose first failure the
	// page must not show.
	is := f.Eng.Store().(storage.IncidentStore)
	yesterday := time.Now().Add(-24 * time.Hour)
	require.NoError(t, is.CreateIncident(t.Context(), &storage.Incident{ID: "auto-up-1", Title: "up is failing", Automatic: true,
		Status: storage.IncidentResolved, Plans: []string{"up"}, StartedAt: yesterday, ResolvedAt: yesterday.Add(5 * time.Minute),
		FirstFailure: "exec-first-failure", Updates: []storage.IncidentUpdate{{Status: storage.IncidentInvestigating, Message: "up is failing.", At: yesterday}}}))
	code, out := post("api/incidents", `{"title": "Checkout errors", "status": "investigating", "message": "We see <errors> on checkout.", "plans": ["up"]}`)
	require.Equal(t, 201, code, out)
	id := out["id"].(string)
	code, out = post("api/incidents/"+id+"/updates", `{"status": "identified", "message": "A bad deploy."}`)
	require.Equal(t, 200, code, out)
	code, out = post("api/incidents/"+id+"/updates", `{"status": "resolved", "message": "Rolled back; all good."}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, "resolved", out["status"])
	require.NotEmpty(t, out["resolved_at"])
	require.Len(t, out["updates"], 3)

	for _, c := range []struct {
		path, body, want string
		code             int
	}{
		{"api/incidents", `{"title": "x", "status": "fixed", "message": "m", "plans": ["up"]}`, `status "fixed" is not one of`, 400},
		{"api/incidents", `{"title": "x", "status": "investigating", "message": "m", "plans": ["nope"]}`, `no plan has the id "nope"`, 404},
		{"api/incidents", `{"title": "", "status": "investigating", "message": "m", "plans": ["up"]}`, "title is empty", 400},
		{"api/incidents", `{"title": "x", "status": "investigating", "message": "m"}`, "plans is empty", 400},
		{"api/incidents", `{"title": "x", "sttus": "investigating"}`, "unknown field", 400},
		{"api/incidents/nope/updates", `{"status": "resolved", "message": "m"}`, "not found", 404},
		{"api/incidents/" + id + "/updates", `{"status": "resolved", "message": " "}`, "message is empty", 400},
	} {
		code, _, b := f.Do(t, "POST", c.path, c.body, "Content-Type", "application/json")
		requireError(t, c.code, c.want, code, b)
	}

	var page struct {
		Incidents []struct {
			Title, Status string
			Plans         []string
			Updates       []struct{ Status, Message string }
		}
	}
	require.Eventually(t, func() bool {
		_, _, body := f.Do(t, "GET", "s/public.json", "")
		require.NoError(t, json.Unmarshal(body, &page))
		return len(page.Incidents) == 2 && len(page.Incidents[0].Updates) == 3
	}, 10*time.Second, 20*time.Millisecond)
	in := page.Incidents[0]
	require.Equal(t, "Checkout errors", in.Title)
	require.Equal(t, "resolved", in.Status)
	require.Equal(t, []string{"up"}, in.Plans)
	require.Equal(t, "A bad deploy.", in.Updates[1].Message)
	_, _, html := f.Do(t, "GET", "s/public", "")
	for _, want := range []string{"Checkout errors", "We see &lt;errors&gt; on checkout.", "A bad deploy.", "Rolled back; all good.", "Incident: Checkout errors"} {
		require.Contains(t, string(html), want)
	}

	code, hdr, body := f.Do(t, "GET", "s/public/feed.atom", "")
	require.Equal(t, 200, code)
	require.Equal(t, "application/atom+xml; charset=utf-8", hdr.Get("Content-Type"))
	var feed atom
	require.NoError(t, xml.Unmarshal(body, &feed), string(body))
	require.Equal(t, "urn:smokex:status:public", feed.ID)
	require.Equal(t, "Acme API incidents", feed.Title)
	require.Len(t, feed.Entries, 4)
	require.Equal(t, "up is failing — Investigating", feed.Entries[3].Title)
	_, _, pageJSON := f.Do(t, "GET", "s/public.json", "")
	for _, b := range [][]byte{body, html, pageJSON} {
		require.NotContains(t, string(b), "exec-first-failure", "the first failure stays with the team")
	}
	require.Equal(t, "Checkout errors — Resolved", feed.Entries[0].Title)
	require.Equal(t, "Checkout errors — Identified", feed.Entries[1].Title)
	require.Equal(t, "Checkout errors — Investigating", feed.Entries[2].Title)
	require.Contains(t, feed.Entries[2].Content, "We see <errors> on checkout.")
	require.Contains(t, feed.Entries[0].Content, "Affects: up")
	require.Equal(t, feed.Entries[0].Updated, feed.Updated)
	_, err := time.Parse(time.RFC3339, feed.Updated)
	require.NoError(t, err)
	code, _, _ = f.Do(t, "GET", "s/nope/feed.atom", "")
	require.Equal(t, 404, code)

	var list struct{ Incidents []map[string]any }
	_, _, body = f.Do(t, "GET", "api/incidents", "")
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Incidents, 2)
	require.Equal(t, "exec-first-failure", list.Incidents[1]["first_failure"])
}

func TestIncidentsAreOffByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	code, _, b := f.Do(t, "POST", "api/incidents", `{"title": "x", "status": "investigating", "message": "m", "plans": ["up"]}`, "Content-Type", "application/json")
	requireError(t, 403, "--allow-incidents", code, b)
}

// TestStatusPageMaintenance lists a plan in a maintenance window of its
// own as under maintenance, before it runs.
func TestStatusPageMaintenance(t *testing.T) {
	t.Parallel()
	pages, err := admin.ParseStatusPages([]byte("- slug: m\n  groups: [{name: All, plans: [db, web]}]\n"))
	require.NoError(t, err)
	f := newFixture(t, &admin.Config{StatusPages: pages}, "/")
	_, err = f.Eng.SyncFS(t.Context(), fstest.MapFS{
		"db.yaml":  {Data: []byte("name: db\nmaintenance: {cron: \"* * * * *\", duration: 1h}\nsteps:\n  - get: {url: \"${base}/ok\"}\n")},
		"web.yaml": {Data: []byte("name: web\nsteps:\n  - get: {url: \"${base}/ok\"}\n")},
	})
	require.NoError(t, err)
	f.Run(t, "web")
	var page struct {
		Status      string
		Maintenance []struct{ Plan, Window string }
		Groups      []struct{ Plans []struct{ ID, Status string } }
	}
	require.Eventually(t, func() bool {
		_, _, body := f.Do(t, "GET", "s/m.json", "")
		require.NoError(t, json.Unmarshal(body, &page))
		return len(page.Groups[0].Plans) == 2 && page.Groups[0].Plans[1].Status == "operational"
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, "maintenance", page.Groups[0].Plans[0].Status)
	require.Equal(t, "operational", page.Status)
	require.Len(t, page.Maintenance, 1)
	require.Equal(t, "db", page.Maintenance[0].Plan)
	require.Contains(t, page.Maintenance[0].Window, "for 1h0m0s")
	_, _, html := f.Do(t, "GET", "s/m", "")
	require.Contains(t, string(html), "Maintenance in progress")
}
