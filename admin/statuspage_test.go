package admin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
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
		{"not a list", "slug: x\n", "line 1: want a list of pages"},
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
