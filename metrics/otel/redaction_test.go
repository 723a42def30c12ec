package otel_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/exec"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// The secrets of TestSpansRedactSecrets: one in the URL's path, one in its
// host.
const (
	pathSecret = "p4th-s3cret-7781"
	hostSecret = "h0st-s3cret-5523"
)

// TestSpansRedactSecrets runs plans with a secret in the path and one in
// the host of their URLs, on a real SDK with an in-memory exporter: one
// whose target answers (its JSON echoes the path and host, and an
// assertion on it fails) and one whose TLS handshake fails with an error
// that names the host. No span's name, attribute, event or status holds
// either secret; the client span's url.full, server.address and status
// show them masked.
func TestSpansRedactSecrets(t *testing.T) {
	t.Parallel()
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "host": r.Host})
	}
	plain := httptest.NewServer(http.HandlerFunc(echo))
	defer plain.Close()
	// Its certificate is for example.com and 127.0.0.1: any other host
	// fails verification with an error that names it.
	secure := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer secure.Close()
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	port := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL[strings.LastIndex(s.URL, ":"):], ":") }

	// Every host name resolves to loopback, as if the secret host were a
	// real name.
	var d net.Dialer
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, p, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", p))
		},
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}
	defer transport.CloseIdleConnections()

	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { require.NoError(t, tp.Shutdown(context.Background())) }()
	rec, err := smokexotel.New(smokexotel.Config{TracerProvider: tp})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{
		Vars:    map[string]any{"port": port(plain), "tlsport": port(secure)},
		Secrets: smokex.StaticSecrets{"TOK": pathSecret, "HOST": hostSecret},
		Exec:    exec.Config{Client: &http.Client{Transport: transport}},
		Hooks:   []record.Hook{rec},
	})
	require.NoError(t, err)
	ctx := context.Background()
	defer func() { require.NoError(t, eng.Stop(ctx)) }()
	for _, src := range []string{`
name: answered
secrets: [TOK, HOST]
steps:
  - get:
      url: "http://${HOST}.test:${port}/echo/${TOK}/x?key=${TOK}"
      expect: {json: {path: "/elsewhere"}}
`, `
name: refused
secrets: [TOK, HOST]
steps:
  - get: {url: "https://${HOST}.test:${tlsport}/echo/${TOK}/x"}
`} {
		p, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err)
		require.NoError(t, eng.AddPlan(ctx, p))
	}
	answered, err := eng.Run(ctx, "answered", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, answered.Status)
	refused, err := eng.Run(ctx, "refused", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, refused.Status)
	require.NotNil(t, refused.Steps[0].Error)

	spans := exporter.GetSpans()
	dump := dumpSpans(spans)
	t.Logf("span dump:\n%s", dump)
	for _, secret := range []string{pathSecret, hostSecret} {
		for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
			require.NotContains(t, dump, form)
		}
	}

	var clients []tracetest.SpanStub
	for _, sp := range spans {
		if sp.SpanKind.String() == "client" {
			clients = append(clients, sp)
		}
	}
	require.Len(t, clients, 2)
	ok, failed := stubAttrs(clients[0]), stubAttrs(clients[1])
	require.Equal(t, "http://[REDACTED].test:"+port(plain)+"/echo/[REDACTED]/x?key=REDACTED", ok["url.full"])
	require.Equal(t, "[REDACTED].test", ok["server.address"])
	require.Equal(t, "https://[REDACTED].test:"+port(secure)+"/echo/[REDACTED]/x", failed["url.full"])
	require.Equal(t, "[REDACTED].test", failed["server.address"])
	require.Contains(t, clients[1].Status.Description, "not [REDACTED].test", "the TLS error names the host, masked")
}

// stubAttrs maps a span's attributes to their values.
func stubAttrs(sp tracetest.SpanStub) map[string]string {
	out := map[string]string{}
	for _, kv := range sp.Attributes {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

// dumpSpans writes every span as a line of its kind, name and status, then
// its attributes and its events' attributes, one a line.
func dumpSpans(spans tracetest.SpanStubs) string {
	var b strings.Builder
	for _, sp := range spans {
		fmt.Fprintf(&b, "%s %s status=%s %q\n", sp.SpanKind, sp.Name, sp.Status.Code, sp.Status.Description)
		var lines []string
		for _, kv := range sp.Attributes {
			lines = append(lines, fmt.Sprintf("  %s=%s", kv.Key, kv.Value.String()))
		}
		sort.Strings(lines)
		b.WriteString(strings.Join(lines, "\n") + "\n")
		for _, ev := range sp.Events {
			fmt.Fprintf(&b, "  event %s\n", ev.Name)
			for _, kv := range ev.Attributes {
				fmt.Fprintf(&b, "    %s=%s\n", kv.Key, kv.Value.String())
			}
		}
	}
	return b.String()
}
