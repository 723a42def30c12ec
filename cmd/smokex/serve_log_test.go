package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeLogRedactsOTLPCredentials starts serve with credentials in the
// OTLP endpoint's user info, from the flag and from the environment, and in
// OTEL_EXPORTER_OTLP_HEADERS, and reads its whole log: none of them shows,
// while the endpoint's host does.
func TestServeLogRedactsOTLPCredentials(t *testing.T) {
	t.Parallel()
	const (
		user     = "otlp-user-7a1"
		password = "s3cret-pass-9f2"
		header   = "hdr-s3cret-4c8"
	)
	for _, from := range []string{"flag", "env"} {
		t.Run(from, func(t *testing.T) {
			t.Parallel()
			rc := newOTLPReceiver(t)
			endpoint := strings.Replace(rc.URL, "http://", "http://"+user+":"+password+"@", 1)
			env := map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=" + header + "%21,x-team=core"}
			args := []string{"--auth-token", "t0ken-never-logged"}
			if from == "flag" {
				args = append(args, "--otlp-endpoint", endpoint)
			} else {
				env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
			}
			s := startServe(t, env, args...)
			line := s.waitLog(t, `msg="smokex serve: exporting metrics and traces by OTLP".*`)
			require.Contains(t, line, "traces=http://[REDACTED]@127.0.0.1:")
			s.waitLog(t, `msg="smokex serve: listening"`)
			require.Equal(t, exitOK, s.stop(t))
			log := logText(s.stderr)
			for _, secret := range []string{user, password, header, "t0ken-never-logged"} {
				require.NotContains(t, log, secret)
			}
		})
	}
}

// TestRedactHandler masks secrets in the message, in attributes of every
// kind, in groups and in attributes added by With.
func TestRedactHandler(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	f := &serveFlags{}
	f.metrics.otlpEndpoint = "https://tok3n-only@otlp.example"
	log := f.newServeLog(&b, func(string) (string, bool) { return "", false })
	log.With("base", "https://tok3n-only@x").WithGroup("g").Info("sent to tok3n-only",
		"err", errString("Post https://tok3n-only@otlp.example: refused"),
		slog.Group("inner", "u", "tok3n-only"), "n", 3)
	require.Equal(t, `level=INFO msg="sent to [REDACTED]" base=https://[REDACTED]@x g.err="Post https://[REDACTED]@otlp.example: refused" g.inner.u=[REDACTED] g.n=3`,
		strings.TrimSpace(b.String()[strings.Index(b.String(), "level="):]))
}

type errString string

func (e errString) Error() string { return string(e) }

// TestServeLogKeepsTheDatabaseRole masks a database URL's password but not
// a role name that stands alone: postgres://postgres@host has no secret,
// and masking "postgres" hid store=postgres in every line that names the
// store.
func TestServeLogKeepsTheDatabaseRole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, want string
	}{
		{"postgres://postgres@127.0.0.1:5432/test", `msg=started store=postgres`},
		{"postgres://postgres:pw-s3cret-1b@127.0.0.1:5432/test", `msg=started store=postgres`},
	} {
		var b strings.Builder
		f := &serveFlags{}
		f.db.url = tc.url
		f.newServeLog(&b, func(string) (string, bool) { return "", false }).Info("started", "store", "postgres", "url", tc.url)
		require.Contains(t, b.String(), tc.want)
		require.NotContains(t, b.String(), "pw-s3cret-1b")
	}
}
