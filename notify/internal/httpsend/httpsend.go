package httpsend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex/notify"
)

// maxErrorBody is how much of a failed answer's body an error keeps.
const maxErrorBody = 256

// PostJSON encodes v and posts it to endpoint with the headers, using
// client (http.DefaultClient when nil). It returns nil on a 2xx answer, a
// *notify.StatusError otherwise; a network error is returned with the
// endpoint reduced to its scheme and host, since the path of a webhook URL
// is often its secret.
func PostJSON(ctx context.Context, client *http.Client, provider, endpoint string, v any, header http.Header) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encoding the payload: %w: %w", provider, err, notify.ErrPermanent)
	}
	return Post(ctx, client, provider, endpoint, "application/json", body, header)
}

// Post posts body to endpoint; see PostJSON.
func Post(ctx context.Context, client *http.Client, provider, endpoint, contentType string, body []byte, header http.Header) error {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %s: %w", provider, Redact(err.Error(), endpoint), notify.ErrPermanent)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "smokex")
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", provider, ctxErr)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s: post %s: %w", provider, Host(endpoint), ue.Err)
		}
		return fmt.Errorf("%s: %s", provider, Redact(err.Error(), endpoint))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	text := strings.TrimSpace(strings.ToValidUTF8(string(excerpt), "\uFFFD"))
	if !utf8.ValidString(text) {
		text = ""
	}
	return &notify.StatusError{
		Provider:   provider,
		StatusCode: resp.StatusCode,
		RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Body:       text,
	}
}

// RetryAfter parses a Retry-After header, seconds or an HTTP date; zero
// when absent or malformed.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Host returns scheme://host of endpoint, for messages.
func Host(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "(endpoint)"
	}
	return u.Scheme + "://" + u.Host
}

// Redact replaces endpoint in s by its host.
func Redact(s, endpoint string) string {
	if endpoint == "" {
		return s
	}
	return strings.ReplaceAll(s, endpoint, Host(endpoint))
}

// Cut bounds s to n runes, ending it with "…" when it was longer: the
// field limits of the chat and paging APIs (Block Kit's 150-rune header,
// an embed's 256-rune title, PagerDuty's 1024-rune summary).
func Cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// CheckURL reports whether endpoint is an absolute http or https URL,
// naming field in the error.
func CheckURL(field, endpoint string) error {
	if endpoint == "" {
		return fmt.Errorf("%s is required", field)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%s is not a URL", field)
	}
	// The URL is a secret: the message says what is wrong with it without
	// quoting it.
	switch {
	case u.Scheme == "":
		return fmt.Errorf("%s must be an absolute http or https URL: it has no scheme (write https://...)", field)
	case u.Scheme != "http" && u.Scheme != "https":
		//lint:ignore ST1005 the message ends with the scheme as written, colon included
		return fmt.Errorf("%s must be an absolute http or https URL, not %s:", field, u.Scheme)
	case u.Host == "":
		return fmt.Errorf("%s must be an absolute http or https URL: it has no host", field)
	}
	return nil
}
