package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/gitsync/gitsynctest"
)

// syncBody is what GET and POST /api/sync answer.
type syncBody struct {
	Source  string   `json:"source"`
	Commit  string   `json:"commit"`
	Path    string   `json:"path"`
	Added   []string `json:"added"`
	Updated []string `json:"updated"`
	Removed []string `json:"removed"`
	Errors  []struct {
		File         string
		Line, Column int
		Message      string
	} `json:"errors"`
	Error string `json:"error"`
}

func decodeSync(t *testing.T, body string) syncBody {
	t.Helper()
	var b syncBody
	require.NoError(t, json.Unmarshal([]byte(body), &b), body)
	return b
}

func githubSignature(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// A push webhook with a valid signature syncs at once: plans added,
// changed, broken and removed by commits; a wrong signature is refused; the
// commit is on the executions.
func TestServeSyncWebhook(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(target.Close)
	r := gitsynctest.New(t)
	first := r.Commit(map[string]string{".smokex/health.yaml": gitsynctest.Plan(target.URL + "/health")})
	source, _ := r.ServeHTTP()
	const secret = "hook-s3cret"
	env := map[string]string{"SMOKEX_SYNC_WEBHOOK_SECRET": secret, "SMOKEX_GIT_TOKEN": "t0ken-never-logged", "SMOKEX_ADMIN_TOKEN": "admin-t0ken"}
	s := startServe(t, env, "--sync", source, "--sync-interval", "1h", "--allow-run")
	url := s.dashboardURL(t)
	auth := []string{"Authorization", "Bearer admin-t0ken"}

	code, body := call(t, "GET", url+"api/sync", "", auth...)
	require.Equal(t, 200, code, body)
	st := decodeSync(t, body)
	require.Equal(t, first, st.Commit)
	require.Equal(t, []string{"health"}, st.Added)
	code, _ = call(t, "GET", url+"api/sync", "")
	require.Equal(t, 401, code, "GET /api/sync is behind the admin token")

	push := func(files map[string]string) (string, syncBody) {
		t.Helper()
		commit := r.Commit(files)
		payload := `{"ref":"refs/heads/master","after":"` + commit + `"}`
		code, body := call(t, "POST", url+"api/sync", payload, "X-Hub-Signature-256", githubSignature(secret, payload), "X-GitHub-Event", "push")
		require.Equal(t, 200, code, body)
		return commit, decodeSync(t, body)
	}

	second, st := push(map[string]string{".smokex/orders.yaml": gitsynctest.Plan(target.URL + "/orders")})
	require.Equal(t, second, st.Commit)
	require.Equal(t, []string{"orders"}, st.Added)

	third, st := push(map[string]string{".smokex/orders.yaml": "steps:\n  - get: {url: " + target.URL + "/orders, expect: {status: 200}}\n", ".smokex/health.yaml": gitsynctest.Plan(target.URL + "/healthz")})
	require.Equal(t, third, st.Commit)
	require.Equal(t, []string{"health"}, st.Updated)
	require.Len(t, st.Errors, 1)
	require.Equal(t, ".smokex/orders.yaml", st.Errors[0].File)
	require.Equal(t, 2, st.Errors[0].Line)
	require.Positive(t, st.Errors[0].Column)
	require.Contains(t, st.Errors[0].Message, `unknown key "status" in expect`)

	code, body = call(t, "POST", url+"api/plans/health/runs", "", auth...)
	require.Equal(t, 202, code, body)
	line := s.waitLog(t, `msg="execution finished" plan=health execution=\S+ status=passed`)
	id := regexp.MustCompile(`execution=(\S+)`).FindStringSubmatch(line)[1]
	code, body = call(t, "GET", url+"api/executions/"+id, "", auth...)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `"source":{"commit":"`+third+`","path":".smokex/health.yaml"}`)
	code, body = call(t, "GET", url+"executions/"+id, "", auth...)
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `<code class="source" title="`+third+`">`+third[:12]+`</code> <code>.smokex/health.yaml</code>`)

	// GitLab's token; then the broken file removed.
	fourth := r.Commit(map[string]string{".smokex/orders.yaml": ""})
	code, body = call(t, "POST", url+"api/sync", `{}`, "X-Gitlab-Token", secret)
	require.Equal(t, 200, code, body)
	st = decodeSync(t, body)
	require.Equal(t, fourth, st.Commit)
	require.Equal(t, []string{"orders"}, st.Removed)
	require.Empty(t, st.Errors)

	// Wrong proofs are refused, and change nothing.
	r.Commit(map[string]string{".smokex/health.yaml": ""})
	for _, h := range [][]string{
		{"X-Hub-Signature-256", githubSignature("wrong", "{}")},
		{"X-Gitlab-Token", "wrong"},
		{"Authorization", "Bearer wrong"},
		nil,
	} {
		code, body = call(t, "POST", url+"api/sync", "{}", h...)
		require.Equal(t, 401, code, body)
	}
	_, body = call(t, "GET", url+"api/sync", "", auth...)
	require.Equal(t, fourth, decodeSync(t, body).Commit)
	// The admin token syncs as the dashboard's "Sync now" does: the
	// emptied path is refused, and shown.
	code, body = call(t, "POST", url+"api/sync", "", auth...)
	require.Equal(t, 200, code, body)
	st = decodeSync(t, body)
	require.Equal(t, fourth, st.Commit)
	require.Contains(t, st.Error, "the source holds no plan files")
	require.NotContains(t, logText(s.stderr), "t0ken-never-logged")
	require.Equal(t, exitOK, s.stop(t))
}

// Without a webhook, the interval picks up a commit; an emptied path is
// refused and a fetch that fails changes nothing.
func TestServeSyncInterval(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(target.Close)
	r := gitsynctest.New(t)
	r.Commit(map[string]string{"plans/health.yaml": gitsynctest.Plan(target.URL + "/health")})
	s := startServe(t, nil, "--sync", r.FileURL()+"#:plans", "--sync-interval", "20ms")
	s.waitLog(t, `smokex serve: plans synced" .* added=\[health\]`)
	second := r.Commit(map[string]string{"plans/orders.yaml": gitsynctest.Plan(target.URL + "/orders")})
	s.waitLog(t, `smokex serve: plans synced" .* commit=`+second+` added=\[orders\]`)
	r.Commit(map[string]string{"plans/orders.yaml": "", "plans/health.yaml": ""})
	s.waitLog(t, `syncing plans; nothing was changed" .* the source holds no plan files`)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeSyncUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sync", "https://h/r.git"}, "must start with git+"},
		{[]string{"--sync", "git+file:///tmp/x", "plans/"}, "--sync and PATHs cannot be used together"},
		{[]string{"--sync", "git+file:///tmp/x", "--sync-interval", "0s"}, "--sync-interval must be positive"},
	} {
		res := runCLI(t, nil, "", append([]string{"serve"}, c.args...)...)
		require.Equal(t, exitUsage, res.code, res.stderr)
		require.Contains(t, res.stderr, c.want)
	}
}
