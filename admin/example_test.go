package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
)

// The handler mounted under a prefix of the host's mux, behind the host's
// own authentication.
func Example() {
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer service.Close()

	eng, _ := smokex.New(smokex.Config{Vars: map[string]any{"base": service.URL}})
	defer eng.Stop(context.Background())
	p, _ := plan.Parse([]byte("name: health\nsteps:\n  - get: {url: \"${base}/\"}\n"), nil)
	_ = eng.AddPlan(context.Background(), p)
	_, _ = eng.Run(context.Background(), "health", nil)

	// The host's middleware decides who may look.
	requireStaff := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Staff") != "yes" {
				http.Error(w, "staff only", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/smoke/", requireStaff(http.StripPrefix("/admin/smoke", admin.New(eng, &admin.Config{AllowRun: true}))))
	host := httptest.NewServer(mux)
	defer host.Close()

	req, _ := http.NewRequest("GET", host.URL+"/admin/smoke/status", nil)
	req.Header.Set("X-Staff", "yes")
	for range 50 { // the status follows the run within a moment
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Output:
	// 200 {"status":"passing","plans":[{"id":"health","status":"passed"}],"load_errors":[]}
}

// The handler answers only the names users reach it by: a page on another
// name that resolves to the handler's address (DNS rebinding) is refused.
func ExampleConfig_allowedHosts() {
	eng, _ := smokex.New(smokex.Config{})
	defer eng.Stop(context.Background())
	h := admin.New(eng, &admin.Config{AllowedHosts: []string{"smoke.example.com"}})
	for _, host := range []string{"smoke.example.com", "127.0.0.1:8080", "localhost:8080", "evil.example"} {
		req := httptest.NewRequest("GET", "http://"+host+"/status", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(host, rec.Code)
	}
	// Output:
	// smoke.example.com 200
	// 127.0.0.1:8080 200
	// localhost:8080 200
	// evil.example 403
}

// HostCheck guards a whole mux that serves the handler beside other paths.
func ExampleHostCheck() {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	h := admin.HostCheck(mux, []string{".corp.example"}, "add it to the host list of the service")
	for _, host := range []string{"smoke.corp.example", "[::1]:9090", "corp.example.evil"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://"+host+"/metrics", nil))
		fmt.Println(host, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// smoke.corp.example 200 ok
	// [::1]:9090 200 ok
	// corp.example.evil 403 {"error":"refused: the request is for the host \"corp.example.evil\", which this server is not known by; a web page on another name may be trying to reach it (DNS rebinding). If that is this server's name, add it to the host list of the service"}
}

// Tokens with a role and a scope: a partner's viewer token sees only the
// plans labelled with its customer.
func ExampleConfig_tokens() {
	sum := func(token string) string {
		s := sha256.Sum256([]byte(token))
		return hex.EncodeToString(s[:])
	}
	tokens, err := admin.ParseTokens([]byte(`
- name: partner-acme
  sha256: ` + sum("acme-secret") + `
  role: viewer
  labels: {customer: acme}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	eng, _ := smokex.New(smokex.Config{})
	defer eng.Stop(context.Background())
	for _, src := range []string{
		"name: acme\nlabels: {customer: acme}\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n",
		"name: globex\nlabels: {customer: globex}\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n",
	} {
		p, _ := plan.Parse([]byte(src), nil)
		_ = eng.AddPlan(context.Background(), p)
	}
	srv := httptest.NewServer(admin.New(eng, &admin.Config{Tokens: tokens}))
	defer srv.Close()

	for _, path := range []string{"/api/plans/acme", "/api/plans/globex"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer acme-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode)
	}
	// Output:
	// /api/plans/acme 200
	// /api/plans/globex 404
}
