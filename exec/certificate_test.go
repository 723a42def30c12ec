package exec_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// expiringServer is an HTTPS server whose self-signed certificate, for
// 127.0.0.1 and localhost, expires in left; pool trusts it.
func expiringServer(t testing.TB, left time.Duration) (srv *httptest.Server, pool *x509.CertPool, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	notAfter = time.Now().Add(left).Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"smokex test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              notAfter,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secure")) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pool, notAfter
}

func TestCertificateExpiry(t *testing.T) {
	t.Parallel()
	srv, pool, notAfter := expiringServer(t, 10*24*time.Hour)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	r := newRunner(t, exec.Config{Client: &http.Client{Transport: tr}})
	p := parse(t, `
steps:
  - get:
      url: "${base}/"
      expect:
        certificate:
          expires_in: {greater_than: 14d}
  - get:
      url: "${base}/"
      expect:
        certificate: {expires_in: 5d}
        assert:
          - certificate.expires_in_days > 9 && certificate.expires_in_days <= 10
          - '"localhost" in certificate.dns_names'
          - certificate.subject contains "CN=localhost"
          - certificate.issuer == certificate.subject
          - certificate.not_after > now()
          - tls.version == "TLS 1.3"
  - get:
      url: "${base}/"
      options: {insecure: true}
      expect:
        certificate: {expires_in: {less_than: 5d}}
`)
	p.Options.HaltOnError = set(false)
	e := r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	require.Equal(t, []string{"failed", "failed", "ok", "failed"}, statuses(e))

	first := e.Steps[0]
	require.Len(t, first.Failures, 1)
	f := first.Failures[0]
	require.Equal(t, record.FailureCertificate, f.Type)
	require.Equal(t, "127.0.0.1", f.Name)
	require.Equal(t, 7, f.Line)
	when := notAfter.UTC().Format("2006-01-02 15:04 UTC")
	require.Equal(t, "certificate for 127.0.0.1 expires in 9 days 23 h ("+when+"), expected more than 14 days", f.String())

	require.Empty(t, e.Steps[1].Failures)
	tlsInfo := e.Steps[1].TLS
	require.NotNil(t, tlsInfo)
	require.Equal(t, "TLS 1.3", tlsInfo.Version)
	require.Equal(t, "127.0.0.1", tlsInfo.Certificate.Host)
	require.Equal(t, []string{"localhost"}, tlsInfo.Certificate.DNSNames)
	require.Equal(t, "CN=localhost,O=smokex test", tlsInfo.Certificate.Subject)
	require.True(t, notAfter.Equal(tlsInfo.Certificate.NotAfter))

	// insecure skips verification, and still records the certificate.
	third := e.Steps[2]
	require.NotNil(t, third.TLS)
	require.NotNil(t, third.TLS.Certificate)
	require.Len(t, third.Failures, 1)
	require.Equal(t, "less than 5 days", third.Failures[0].Expected)
	require.True(t, strings.HasPrefix(third.Failures[0].Received, "expires in 9 days 23 h ("), third.Failures[0].Received)
}

func TestCertificateOverPlainHTTP(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	// The URL is a template: the plan cannot tell that it is plain HTTP.
	e := runYAML(t, srv, `
- get:
    url: "${base}/"
    expect:
      certificate: {expires_in: 1d}
      assert: ["certificate == nil && tls == nil"]
`, nil)
	require.Equal(t, []string{"failed/halted_on_error", "failed"}, statuses(e))
	require.Nil(t, e.Steps[0].TLS)
	require.Equal(t, []string{"certificate 127.0.0.1: expected more than 1 day, received has none: the response came over plain HTTP"}, failures(e.Steps[0]))
}

func TestCertificateExpired(t *testing.T) {
	t.Parallel()
	srv, _, _ := expiringServer(t, -50*time.Hour)
	e := runYAML(t, srv, `
- get:
    url: "${base}/"
    options: {insecure: true}
    expect:
      certificate: {expires_in: 0s}
`, nil)
	require.Len(t, e.Steps[0].Failures, 1)
	require.Contains(t, e.Steps[0].Failures[0].String(), "certificate for 127.0.0.1 expired 2 days 2 h ago (")
}
