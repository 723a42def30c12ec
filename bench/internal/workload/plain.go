package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// MaxBody bounds the bodies read, as smokex bounds response bodies.
const MaxBody = 10 << 20

// Flow does by hand what a Plan asks smokex to do. For each pair:
//
//  1. POST {Base}/login with the JSON body {"username":"demo","password":"secret"},
//     expect status 200, capture session.token from the JSON response;
//  2. GET {Base}/echo?token={token}, expect status 200, the header
//     X-Echo: yes and the JSON body to hold {"token": token}.
//
// It stops at the first failure, as a plan with halt_on_error does.
type Flow struct {
	// Client sends the requests. It must not follow redirects, as a plan
	// step does not.
	Client *http.Client
	// Base is the target's base URL.
	Base string
	// Timeout bounds each request, body read included, as a step's
	// timeout does.
	Timeout time.Duration
}

// NewTransport returns the default transport keeping up to conns idle
// connections to the target, one per flow running at once.
func NewTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(conns, 2)
	return t
}

// NoRedirects is a CheckRedirect that does not follow redirects.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Run does pairs login+echo pairs in order.
func (f Flow) Run(ctx context.Context, pairs int) error {
	for i := range pairs {
		token, err := f.login(ctx)
		if err != nil {
			return fmt.Errorf("pair %d: login: %w", i+1, err)
		}
		if err := f.echo(ctx, token); err != nil {
			return fmt.Errorf("pair %d: echo: %w", i+1, err)
		}
	}
	return nil
}

func (f Flow) login(ctx context.Context) (string, error) {
	body, err := json.Marshal(map[string]any{"username": "demo", "password": "secret"})
	if err != nil {
		return "", err
	}
	status, _, b, err := f.do(ctx, http.MethodPost, f.Base+"/login", body)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("status %d, want 200", status)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("body is not JSON: %w", err)
	}
	session, _ := v["session"].(map[string]any)
	token, ok := session["token"]
	if !ok || token == nil {
		return "", errors.New("session.token: not found")
	}
	return fmt.Sprint(token), nil
}

// Echo is one check of bench/monitor.sh's plans: GET /echo with the token,
// asserting the status, the X-Echo header and the JSON token, as echo does
// within a flow.
func (f Flow) Echo(ctx context.Context, token string) error { return f.echo(ctx, token) }

func (f Flow) echo(ctx context.Context, token string) error {
	status, header, b, err := f.do(ctx, http.MethodGet, f.Base+"/echo?token="+url.QueryEscape(token), nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("status %d, want 200", status)
	}
	if got := header.Get("X-Echo"); got != "yes" {
		return fmt.Errorf("header X-Echo is %q, want %q", got, "yes")
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if v["token"] != token {
		return fmt.Errorf("json token is %v, want %q", v["token"], token)
	}
	return nil
}

// do sends one request and reads its whole, bounded body.
func (f Flow) do(ctx context.Context, method, u string, body []byte) (int, http.Header, []byte, error) {
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(b) > MaxBody {
		return 0, nil, nil, fmt.Errorf("body larger than %d bytes", MaxBody)
	}
	return resp.StatusCode, resp.Header, b, nil
}
