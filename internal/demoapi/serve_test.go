package demoapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/demoapi"
)

func TestServe(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- demoapi.Serve(ctx, ln, demoapi.New()) }()

	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/health", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok"}`, string(body))

	cancel()
	require.NoError(t, <-errc)
	_, err = net.Dial("tcp", ln.Addr().String())
	require.Error(t, err, "the listener is closed after Serve returns")
}

func TestServeClosedListener(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	require.Error(t, demoapi.Serve(t.Context(), ln, demoapi.New()))
}
