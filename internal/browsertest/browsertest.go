package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Browser is one headless chromium tab of a test.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// New starts a headless chromium for t, stopped at the end of t.
func New(t testing.TB) *Browser {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true: the dashboard must be checked in a real browser (apt-get install chromium)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in containers
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-gpu", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first call starts chromium, which lives as long as its context:
	// this one, with no timeout.
	require.NoError(t, chromedp.Do(ctx), "starting chromium")
	return &Browser{t: t, ctx: ctx}
}

// Do runs the actions.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// Navigate opens url.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Do(chromedp.Navigate(url))
}

// Click clicks the first visible element that matches the CSS selector.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.Do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Type types text into the first visible element that matches the CSS
// selector, as keystrokes.
func (b *Browser) Type(sel, text string) {
	b.t.Helper()
	b.Do(chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// Eval evaluates expr in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, expr)
	return v
}

// Location is the page's URL.
func (b *Browser) Location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	return loc
}

// Scheme makes the page see prefers-color-scheme as "light" or "dark".
func (b *Browser) Scheme(name string) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: name}},
	})
	require.NoError(b.t, err)
}

// Header sends the header name: value with every request of the page
// from now on, the event stream's included, as a proxy in front of the
// dashboard that authenticates its users would.
func (b *Browser) Header(name, value string) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{})
	require.NoError(b.t, err)
	_, err = chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{name: value}})
	require.NoError(b.t, err)
}

// Text returns the visible text of the first element that matches sel,
// once there is one and it is shown. It reads the page in one
// evaluation, tried again while the page navigates or its scripts
// replace the element (a lookup by node would fail on "No node with
// given id found" then), so that a loaded machine does not fail it.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	expr := `(function(){var n=document.querySelector(` + String(sel) + `);` +
		`return n&&n.getClientRects().length?{shown:true,text:n.innerText}:{shown:false}})()`
	got, err := poll(b, expr, func(r shownText) bool { return r.Shown })
	if err != nil {
		b.t.Fatalf("%s was never shown (last error: %v)", sel, err)
	}
	return strings.TrimSpace(got.Text)
}

// shownText is what Text reads of an element.
type shownText struct {
	Shown bool   `json:"shown"`
	Text  string `json:"text"`
}

// poll evaluates expr on the page until done accepts its value, for at
// most waitLimit, and returns the last value read with, when done never
// accepted one, the reason: the last evaluation's error, or that none was
// accepted. An evaluation that fails (the page navigating) is tried
// again on the page that comes.
func poll[T any](b *Browser, expr string, done func(T) bool) (T, error) {
	var last T
	lastErr := errors.New("no value accepted")
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, waitLimit)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		cancel()
		if err == nil {
			last, lastErr = v, errors.New("no value accepted")
			if done(v) {
				return v, nil
			}
		} else {
			lastErr = err
		}
		// The page's own scripts update it; poll its DOM.
		time.Sleep(50 * time.Millisecond)
	}
	return last, lastErr
}

// WaitText waits until the first element that matches sel holds want in
// its text content, without reloading the page. A page that is navigating
// (after a click that submits a form or follows a link) cannot be read
// until the next one is there: such an evaluation is tried again on the
// page that comes, so that the wait is on the navigation, not on time,
// and a loaded machine does not fail it ("Inspected target navigated or
// closed").
func (b *Browser) WaitText(sel, want string) {
	b.t.Helper()
	expr := `(function(){var n=document.querySelector(` + String(sel) + `);return n?n.textContent:""})()`
	got, err := poll(b, expr, func(text string) bool { return strings.Contains(text, want) })
	if err != nil {
		b.t.Fatalf("%s never held %q; it holds %q (last error: %v)", sel, want, got, err)
	}
}

// waitLimit bounds a wait on the page: a guard against a hang, not a
// measure of speed.
const waitLimit = 60 * time.Second

// String is s as a JavaScript string literal.
func String(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// Dir is where screenshots go.
func Dir(t testing.TB) string {
	dir := os.Getenv("SMOKEX_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// Shoot saves full-page screenshots of the page, light and dark, as
// NAME-light.png and NAME-dark.png, and leaves the page light.
func (b *Browser) Shoot(name string) {
	b.t.Helper()
	dir := Dir(b.t)
	for _, scheme := range []string{"light", "dark"} {
		b.Scheme(scheme)
		b.Do(chromedp.Sleep(100 * time.Millisecond))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		require.NoError(b.t, err)
		path := filepath.Join(dir, name+"-"+scheme+".png")
		require.NoError(b.t, os.WriteFile(path, png, 0o644))
		b.t.Logf("screenshot %s", path)
	}
	b.Scheme("light")
}
