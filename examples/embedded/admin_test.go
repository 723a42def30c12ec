package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// urlHandler hands over the dashboard URL that run logs.
type urlHandler struct {
	slog.Handler
	url chan string
}

func (h *urlHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *urlHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "smokex dashboard" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "url" {
				h.url <- a.Value.String()
			}
			return true
		})
	}
	return nil
}

// TestServesTheDashboard checks that the service serves the smokex
// dashboard and API under /admin/smoke/ on its own mux.
func TestServesTheDashboard(t *testing.T) {
	t.Parallel()
	h := &urlHandler{Handler: slog.DiscardHandler, url: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), []string{"-for", "8s"}, slog.New(h)) }()
	url := <-h.url
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/admin/smoke/$`, url)

	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))

	resp, err = http.Get(url + "api/plans")
	require.NoError(t, err)
	var plans struct {
		Plans []struct {
			ID string `json:"id"`
		} `json:"plans"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&plans))
	resp.Body.Close()
	require.NotEmpty(t, plans.Plans)

	resp, err = http.Post(url+"api/plans/health/runs", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Contains(t, []int{http.StatusAccepted, http.StatusConflict}, resp.StatusCode)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return")
	}
}
