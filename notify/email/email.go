package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/smokex/smokex/notify"
)

// Config configures an e-mail notifier.
type Config struct {
	// Addr is the SMTP server's host:port (the submission port 587,
	// usually). Required.
	Addr string
	// Username and Password authenticate with AUTH PLAIN, only ever over
	// TLS. Empty Username: no authentication.
	Username, Password string
	// From is the sender's address. Required.
	From string
	// To are the recipients. At least one is required.
	To []string
	// TLSConfig is used for STARTTLS. Defaults to one whose ServerName is
	// Addr's host.
	TLSConfig *tls.Config
	// AllowPlaintext sends without STARTTLS when the server does not offer
	// it (a relay on the loopback). Authentication is never sent in
	// plaintext. By default a server without STARTTLS is an error.
	AllowPlaintext bool
	// SubjectPrefix starts every subject. Defaults to "[smokex]".
	SubjectPrefix string
	// Hostname is what the client says in EHLO. Defaults to "localhost".
	Hostname string
	// Dial opens the connection. Defaults to a net.Dialer's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("email: Addr must be host:port, got %q", c.Addr)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("email: From is not an address: %q", c.From)
	}
	if len(c.To) == 0 {
		return errors.New("email: To needs at least one address")
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("email: To[%d] is not an address: %q", i, to)
		}
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("email: Password without Username")
	}
	return nil
}

// ParseURL reads a configuration from a URL such as
// smtp://user:password@smtp.example.com:587?from=smokex@example.com&to=ops@example.com,oncall@example.com
// (the port defaults to 587; to may repeat). It is what SMOKEX_SMTP_URL
// holds, so that a password stays off the command line.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		//lint:ignore ST1005 the message ends with the URL's form, whose query goes on
		return Config{}, errors.New("email: the SMTP URL must look like smtp://user:password@host:587?from=...&to=...")
	}
	c := Config{Addr: u.Host}
	if u.Port() == "" {
		c.Addr = net.JoinHostPort(u.Hostname(), "587")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	c.From = q.Get("from")
	for _, to := range q["to"] {
		for a := range strings.SplitSeq(to, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.To = append(c.To, a)
			}
		}
	}
	if err := c.Validate(); err != nil {
		// The fields are the URL's query parameters here: say which.
		return c, fmt.Errorf("%w; the URL gives From as from= and To as to=", err)
	}
	return c, nil
}

// Notifier sends one e-mail per event, with a text and an HTML part.
type Notifier struct {
	cfg  Config
	host string
}

var (
	_ notify.Notifier = (*Notifier)(nil)
	_ notify.Provider = (*Notifier)(nil)
)

// New checks cfg and returns the notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = "[smokex]"
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	cfg.To = append([]string(nil), cfg.To...)
	return &Notifier{cfg: cfg, host: host}, nil
}

// Provider returns "email".
func (n *Notifier) Provider() string { return "email" }

// Notify sends the event's message. A 4xx reply is returned as an error
// delivery retries, a 5xx one wraps notify.ErrPermanent.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	msg, err := Message(n.cfg, e, time.Now())
	if err != nil {
		return fmt.Errorf("email: %w: %w", err, notify.ErrPermanent)
	}
	conn, err := n.cfg.Dial(ctx, "tcp", n.cfg.Addr)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("email: %w", ctx.Err())
		}
		return fmt.Errorf("email: %w", err)
	}
	// Closing the connection when ctx ends aborts the conversation
	// wherever it is.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err = n.send(conn, msg)
	if ctx.Err() != nil {
		return fmt.Errorf("email: %w", ctx.Err())
	}
	return classify(err)
}

// send holds the SMTP conversation on conn, and closes it.
func (n *Notifier) send(conn net.Conn, msg []byte) error {
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(n.cfg.Hostname); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := n.cfg.TLSConfig
		if tc == nil {
			tc = &tls.Config{ServerName: n.host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	} else if !n.cfg.AllowPlaintext || n.cfg.Username != "" {
		return fmt.Errorf("the server does not offer STARTTLS: %w", notify.ErrPermanent)
	}
	if n.cfg.Username != "" {
		if err := c.Auth(plainAuth{n.cfg.Username, n.cfg.Password}); err != nil {
			return fmt.Errorf("AUTH PLAIN: %w", err)
		}
	}
	from, _ := mail.ParseAddress(n.cfg.From)
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, to := range n.cfg.To {
		a, _ := mail.ParseAddress(to)
		if err := c.Rcpt(a.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// plainAuth is AUTH PLAIN, refused without TLS (the conversation upgraded
// with STARTTLS before it is used). net/smtp's PlainAuth also refuses it
// towards a loopback server over TLS with another name, which tests need.
type plainAuth struct{ user, password string }

func (a plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errors.New("refusing AUTH PLAIN without TLS")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// classify wraps a 5xx reply as permanent.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("email: %w: %w", err, notify.ErrPermanent)
	}
	return fmt.Errorf("email: %w", err)
}

// Message returns the RFC 5322 message of e: headers, and a
// multipart/alternative body with a text/plain and a text/html part, both
// quoted-printable.
func Message(cfg Config, e *notify.Event, now time.Time) ([]byte, error) {
	prefix := cfg.SubjectPrefix
	if prefix == "" {
		prefix = "[smokex]"
	}
	var text, html bytes.Buffer
	if err := textTemplate().Execute(&text, e); err != nil {
		return nil, err
	}
	if err := htmlTemplate().Execute(&html, e); err != nil {
		return nil, err
	}
	boundary := randomHex(12)
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", cfg.From)
	h("To", strings.Join(cfg.To, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", prefix+" "+e.Summary()))
	h("Date", now.Format(time.RFC1123Z))
	domain := "smokex.invalid"
	if a, err := mail.ParseAddress(cfg.From); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			domain = a.Address[at+1:]
		}
	}
	h("Message-ID", "<"+strconv.FormatInt(now.UnixNano(), 36)+"."+randomHex(6)+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("X-Smokex-Transition", string(e.Transition))
	h("X-Smokex-Plan", mime.QEncoding.Encode("utf-8", e.Plan.ID))
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct {
		typ  string
		body []byte
	}{{"text/plain", text.Bytes()}, {"text/html", html.Bytes()}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write(crlf(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var textTemplate = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.Must(texttemplate.New("text").Parse(`{{.PlanName}} is {{.Transition.Title}}.
{{range .Facts}}
{{.Name}}: {{.Value}}{{end}}
{{with .StepTitle}}
{{.}}{{end}}{{range .FailureLines}}
  - {{.}}{{end}}
{{with .Links.Execution}}
Execution: {{.}}{{end}}{{with .Links.Plan}}
Plan: {{.}}{{end}}
`))
})

var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("html").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<h2 style="color: {{if .Transition.Bad}}#b42318{{else}}#067647{{end}}">{{.PlanName}} is {{.Transition.Title}}</h2>
<table>{{range .Facts}}
<tr><th align="left">{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}
</table>
{{with .StepTitle}}<h3>{{.}}</h3>{{end}}
{{with .FailureLines}}<ul>{{range .}}
<li><code>{{.}}</code></li>{{end}}
</ul>{{end}}
<p>{{with .Links.Execution}}<a href="{{.}}">View execution</a> {{end}}{{with .Links.Plan}}<a href="{{.}}">View plan</a>{{end}}</p>
</body></html>
`))
})
