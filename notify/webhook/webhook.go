package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/httpsend"
)

// SignatureHeader is the header that carries the signature.
const SignatureHeader = "Smokex-Signature"

// EventHeader carries the event's transition ("failing", "recovered"...).
const EventHeader = "Smokex-Event"

// DefaultMaxAge is the age beyond which a receiver should reject a
// signature, against replays.
const DefaultMaxAge = 5 * time.Minute

// Config configures a webhook notifier.
type Config struct {
	// URL receives the events, POSTed as JSON. Required.
	URL string
	// Secret signs each body (SignatureHeader). Empty sends unsigned
	// events, which a receiver cannot tell from forged ones.
	Secret string
	// Header is added to every request (an Authorization for a proxy).
	Header http.Header
	// Client sends the requests. Defaults to http.DefaultClient; the
	// policy bounds each attempt with its context.
	Client *http.Client

	now func() time.Time
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	if err := httpsend.CheckURL("webhook: URL", c.URL); err != nil {
		return err
	}
	return nil
}

// Notifier posts events to a URL, signed.
type Notifier struct {
	cfg Config
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
	if cfg.now == nil {
		cfg.now = time.Now
	}
	cfg.Header = cfg.Header.Clone()
	return &Notifier{cfg: cfg}, nil
}

// Provider returns "webhook".
func (n *Notifier) Provider() string { return "webhook" }

// Notify posts the event's JSON encoding, signed with the secret.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webhook: encoding the event: %w: %w", err, notify.ErrPermanent)
	}
	h := n.cfg.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(EventHeader, string(e.Transition))
	if n.cfg.Secret != "" {
		h.Set(SignatureHeader, Sign(n.cfg.Secret, n.cfg.now(), body))
	}
	return httpsend.Post(ctx, n.cfg.Client, "webhook", n.cfg.URL, "application/json", body, h)
}

// Sign returns the SignatureHeader value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// The errors of Verify; check them with errors.Is.
var (
	// ErrNoSignature: the header is empty or malformed.
	ErrNoSignature = errors.New("webhook: no valid signature header")
	// ErrBadSignature: no v1 signature matches the body and the secret.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrTooOld: the signature is older than maxAge (or from further in
	// the future than maxAge): a replay, or a clock far off.
	ErrTooOld = errors.New("webhook: signature timestamp out of range")
)

// Verify checks a SignatureHeader value against the raw body as received
// and the secret: it recomputes HMAC-SHA256(secret, "<t>.<body>"),
// compares it in constant time with every v1 in the header (a sender
// rotating secrets may send several), and rejects a timestamp more than
// maxAge away from now (DefaultMaxAge when zero; negative skips the
// check). Verify the bytes read from the request, before decoding them.
func Verify(secret, header string, body []byte, maxAge time.Duration) error {
	return verify(secret, header, body, maxAge, time.Now())
}

func verify(secret, header string, body []byte, maxAge time.Duration, now time.Time) error {
	var (
		ts   string
		sigs [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if maxAge > 0 {
		age := now.Sub(time.Unix(unix, 0))
		if age > maxAge || age < -maxAge {
			return fmt.Errorf("%w: signed %s ago, at most %s allowed", ErrTooOld, age.Round(time.Second), maxAge)
		}
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}
