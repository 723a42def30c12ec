package email_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"html/template"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/email"
	"github.com/smokex/smokex/notify/notifytest"
)

// delivered is a message the test server accepted.
type delivered struct {
	from   string
	to     []string
	data   []byte
	tls    bool
	authed string
}

// server is a real SMTP server (go-smtp) on the loopback with STARTTLS
// and AUTH PLAIN.
type server struct {
	srv      *smtp.Server
	addr     string
	pool     *x509.CertPool
	mu       sync.Mutex
	got      []delivered
	rcptCode int  // a reply code to refuse RCPT with, 0 to accept
	hang     bool // never answer DATA
	release  chan struct{}
}

func newServer(t *testing.T, withTLS bool) *server {
	t.Helper()
	s := &server{release: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	if withTLS {
		cert, pool := selfSigned(t)
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.pool = pool
	} else {
		s.srv.AllowInsecureAuth = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		close(s.release)
		_ = s.srv.Close()
	})
	return s
}

func (s *server) messages() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivered(nil), s.got...)
}

type session struct {
	s      *server
	c      *smtp.Conn
	cur    delivered
	authed string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "alerts" || pass != "p4ssw0rd" {
			return errors.New("bad credentials")
		}
		se.authed = user
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.cur = delivered{from: from}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.rcptCode != 0 {
		return &smtp.SMTPError{Code: se.s.rcptCode, Message: "not today"}
	}
	se.cur.to = append(se.cur.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	if se.s.hang {
		<-se.s.release
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.cur.data = b
	_, se.cur.tls = se.c.TLSConnectionState()
	se.cur.authed = se.authed
	se.s.mu.Lock()
	se.s.got = append(se.s.got, se.cur)
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset()        {}
func (se *session) Logout() error { return nil }

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		DNSNames: []string{"smtp.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func (s *server) config() email.Config {
	return email.Config{
		Addr: s.addr, Username: "alerts", Password: "p4ssw0rd",
		From: "Smokex <smokex@example.com>", To: []string{"ops@example.com", "oncall@example.com"},
		TLSConfig: &tls.Config{ServerName: "smtp.test", RootCAs: s.pool},
	}
}

func TestSendsOverStartTLSWithBothParts(t *testing.T) {
	t.Parallel()
	s := newServer(t, true)
	n, err := email.New(s.config())
	require.NoError(t, err)
	e := notifytest.Events()[0]
	require.NoError(t, n.Notify(t.Context(), e))

	got := s.messages()
	require.Len(t, got, 1, "one message per alert")
	m := got[0]
	require.Equal(t, "smokex@example.com", m.from, "envelope sender")
	require.Equal(t, []string{"ops@example.com", "oncall@example.com"}, m.to, "envelope recipients")
	require.True(t, m.tls, "sent after STARTTLS")
	require.Equal(t, "alerts", m.authed, "AUTH PLAIN")

	msg, err := mail.ReadMessage(bytes.NewReader(m.data))
	require.NoError(t, err)
	require.Equal(t, "Smokex <smokex@example.com>", msg.Header.Get("From"))
	require.Equal(t, "ops@example.com, oncall@example.com", msg.Header.Get("To"))
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, `[smokex] Checkout API is failing: step 2 "pay": status_code expected 200, received 503`, subject)
	require.Equal(t, "failing", msg.Header.Get("X-Smokex-Transition"))
	require.Equal(t, "1.0", msg.Header.Get("MIME-Version"))
	require.Regexp(t, `^<[0-9a-z]+\.[0-9a-f]+@example\.com>$`, msg.Header.Get("Message-ID"))
	_, err = msg.Header.Date()
	require.NoError(t, err)

	parts := partsOf(t, msg)
	text := parts["text/plain"]
	require.Contains(t, text, "Checkout API is failing.")
	require.Contains(t, text, "Started: 2026-03-14 15:09:27 UTC")
	require.Contains(t, text, "Trigger: schedule")
	require.Contains(t, text, `Step 2 "pay" failed`)
	require.Contains(t, text, "  - status_code: expected 200, received 503")
	require.Contains(t, text, `  - json $.status: expected "ok", received (not JSON)`)
	require.Contains(t, text, "Execution: https://ops.example.com/smokex/executions/x1")
	html := parts["text/html"]
	require.Contains(t, html, "<h2 style=\"color: #b42318\">Checkout API is failing</h2>")
	require.Contains(t, html, "<li><code>status_code: expected 200, received 503</code></li>")
	require.Contains(t, html, `<code>json $.status: expected &#34;ok&#34;, received (not JSON)</code>`)
	require.Contains(t, html, `<a href="https://ops.example.com/smokex/executions/x1">View execution</a>`)
	require.NotContains(t, string(m.data), "p4ssw0rd")
}

// partsOf returns the parts of a multipart/alternative message by their
// content type, decoded.
func partsOf(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(p) // the reader decodes quoted-printable
		require.NoError(t, err)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(body)
	}
	require.Len(t, parts, 2)
	return parts
}

// TestEscapesTargetValues sends the injections in every value a
// target gives over a real SMTP conversation: the HTML part shows them as
// text (no element, no link of theirs), the subject stays one header.
func TestEscapesTargetValues(t *testing.T) {
	t.Parallel()
	s := newServer(t, true)
	n, err := email.New(s.config())
	require.NoError(t, err)
	for _, in := range notifytest.Injections() {
		require.NoError(t, n.Notify(t.Context(), notifytest.HostileEvent(in+"\r\nBcc: victim@example.com")))
	}
	got := s.messages()
	require.Len(t, got, len(notifytest.Injections()))
	for i, in := range notifytest.Injections() {
		msg, err := mail.ReadMessage(bytes.NewReader(got[i].data))
		require.NoError(t, err)
		require.Empty(t, msg.Header.Get("Bcc"), "a value cannot add a header")
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(subject, "[smokex] Checkout "+in), subject)
		html := partsOf(t, msg)["text/html"]
		escaped := template.HTMLEscapeString(in)
		if escaped != in {
			require.NotContains(t, html, in, "HTML stays text")
		}
		require.NotContains(t, html, `href="https://evil.example"`)
		for _, part := range []string{
			"<h2 style=\"color: #b42318\">Checkout " + escaped,
			"<li><code>status_code: expected 200, received 401 " + escaped,
			"<li><code>header Location: expected present, received " + escaped,
			"<li><code>request: answer: " + escaped,
		} {
			require.Contains(t, html, part)
		}
		hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(html, -1)
		require.Len(t, hrefs, 2)
		for _, h := range hrefs {
			require.True(t, strings.HasPrefix(h[1], "https://ops.example.com/smokex/"), "links lead to the admin pages only: %s", h[1])
		}
	}
}

func TestRefusesWithoutStartTLS(t *testing.T) {
	t.Parallel()
	s := newServer(t, false)
	cfg := s.config()
	n, err := email.New(cfg)
	require.NoError(t, err)
	err = n.Notify(t.Context(), notifytest.Events()[0])
	require.ErrorContains(t, err, "does not offer STARTTLS")
	require.ErrorIs(t, err, notify.ErrPermanent)
	require.Empty(t, s.messages())

	// A local relay without TLS and without authentication.
	cfg.Username, cfg.Password, cfg.AllowPlaintext = "", "", true
	n, err = email.New(cfg)
	require.NoError(t, err)
	require.NoError(t, n.Notify(t.Context(), notifytest.Events()[2]))
	got := s.messages()
	require.Len(t, got, 1)
	require.False(t, got[0].tls)
}

func TestBadCertificate(t *testing.T) {
	t.Parallel()
	s := newServer(t, true)
	cfg := s.config()
	cfg.TLSConfig = &tls.Config{ServerName: "smtp.test"} // not trusting the test CA
	n, err := email.New(cfg)
	require.NoError(t, err)
	require.ErrorContains(t, n.Notify(t.Context(), notifytest.Events()[0]), "STARTTLS")
	require.Empty(t, s.messages())
}

func TestReplyCodes(t *testing.T) {
	t.Parallel()
	for code, permanent := range map[int]bool{450: false, 550: true} {
		s := newServer(t, true)
		s.rcptCode = code
		n, err := email.New(s.config())
		require.NoError(t, err)
		err = n.Notify(t.Context(), notifytest.Events()[0])
		require.ErrorContains(t, err, "not today")
		require.Equal(t, permanent, errors.Is(err, notify.ErrPermanent), "code %d", code)
	}
}

func TestHonoursCancellation(t *testing.T) {
	t.Parallel()
	s := newServer(t, true)
	s.hang = true
	n, err := email.New(s.config())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = n.Notify(ctx, notifytest.Events()[0])
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	c, err := email.ParseURL("smtp://alerts:p%40ss@smtp.example.com?from=smokex@example.com&to=a@example.com,b@example.com&to=c@example.com")
	require.NoError(t, err)
	require.Equal(t, "smtp.example.com:587", c.Addr)
	require.Equal(t, "alerts", c.Username)
	require.Equal(t, "p@ss", c.Password)
	require.Equal(t, "smokex@example.com", c.From)
	require.Equal(t, []string{"a@example.com", "b@example.com", "c@example.com"}, c.To)

	for raw, want := range map[string]string{
		"http://x":                             "must look like smtp://",
		"smtp://h:25?to=a@example.com":         "From is not an address",
		"smtp://h:25?from=a@example.com":       "To needs at least one address",
		"smtp://h:25?from=a@example.com&to=zz": "To[0] is not an address",
	} {
		_, err := email.ParseURL(raw)
		require.ErrorContains(t, err, want, raw)
		require.NotContains(t, err.Error(), "p4ss")
	}
	_, err = email.ParseURL("smtp://u:secretpw@h:25?from=bad")
	require.NotContains(t, err.Error(), "secretpw", "errors never show the password")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := email.Config{Addr: "h:25", From: "a@example.com", To: []string{"b@example.com"}}
	for _, c := range []struct {
		edit func(*email.Config)
		want string
	}{
		{func(c *email.Config) { c.Addr = "h" }, "Addr must be host:port"},
		{func(c *email.Config) { c.From = "" }, "From is not an address"},
		{func(c *email.Config) { c.To = nil }, "To needs at least one address"},
		{func(c *email.Config) { c.Password = "x" }, "Password without Username"},
	} {
		cfg := ok
		c.edit(&cfg)
		_, err := email.New(cfg)
		require.ErrorContains(t, err, c.want)
	}
	n, err := email.New(ok)
	require.NoError(t, err)
	require.Equal(t, "email", n.Provider())
	require.True(t, strings.HasPrefix("email", n.Provider()))
}
