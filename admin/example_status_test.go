package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
)

// A public status page beside a handler that needs a token: the page
// answers anyone, the API does not.
func Example_statusPage() {
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer service.Close()
	eng, _ := smokex.New(smokex.Config{Vars: map[string]any{"base": service.URL}})
	defer eng.Stop(context.Background())
	p, _ := plan.Parse([]byte("name: checkout\nsteps:\n  - get: {url: \"${base}/\"}\n"), nil)
	_ = eng.AddPlan(context.Background(), p)
	_, _ = eng.Run(context.Background(), "checkout", nil)

	pages, err := admin.ParseStatusPages([]byte(`
- slug: public
  title: Acme API
  groups:
    - name: API
      plans: [checkout]
`))
	if err != nil {
		panic(err)
	}
	if err := admin.CheckStatusPages(pages, eng.Plans()); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(admin.New(eng, &admin.Config{
		StatusPages: pages,
		Authorize:   func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer s3cret" },
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/plans")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("API without a token:", resp.StatusCode)

	resp, err = http.Get(srv.URL + "/s/public.json")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var page struct {
		Summary string
		Groups  []struct {
			Plans []struct{ Name, Status string }
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	fmt.Println("page without a token:", resp.StatusCode, page.Summary)
	fmt.Println(page.Groups[0].Plans[0].Name, page.Groups[0].Plans[0].Status)
	// Output:
	// API without a token: 401
	// page without a token: 200 All systems operational
	// checkout operational
}
