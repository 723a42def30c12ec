// Command plain does by hand, with net/http and encoding/json, exactly what
// the benchmark plans that bench/gen writes ask smokex to do, so that
// bench/run.sh can compare the two. For each pair of steps:
//
//  1. POST {base}/login with the JSON body {"username":"demo","password":"secret"},
//     expect status 200, capture session.token from the JSON response;
//  2. GET {base}/echo?token={token}, expect status 200, the header
//     X-Echo: yes and the JSON body to hold {"token": token}.
//
// -plans flows run concurrently, each doing -pairs pairs in order; a flow
// stops at its first failure, as a plan with halt_on_error does. The exit
// status is 1 when any check failed.
//
//	plain -base http://127.0.0.1:8080 -plans 1 -pairs 500   # the 1000-step plan
//	plain -base http://127.0.0.1:8080 -plans 50 -pairs 10   # 50 plans of 20 steps
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// maxBody bounds the response bodies read, as smokex bounds them.
const maxBody = 10 << 20

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "base URL of the target")
	plans := flag.Int("plans", 1, "flows to run concurrently")
	pairs := flag.Int("pairs", 500, "login+echo pairs per flow")
	timeout := flag.Duration("timeout", 5*time.Second, "timeout of each request")
	flag.Parse()

	client := &http.Client{
		Transport: newTransport(*plans),
		// Like a plan step, a redirect is not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	f := flow{client: client, base: *base, timeout: *timeout}

	var wg sync.WaitGroup
	errs := make([]error, *plans)
	for i := range *plans {
		wg.Go(func() { errs[i] = f.run(context.Background(), *pairs) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "plain:", err)
		os.Exit(1)
	}
}

// newTransport is the default transport, keeping one idle connection per
// concurrent flow.
func newTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(conns, 2)
	return t
}

type flow struct {
	client  *http.Client
	base    string
	timeout time.Duration
}

func (f flow) run(ctx context.Context, pairs int) error {
	for i := range pairs {
		token, err := f.login(ctx)
		if err != nil {
			return fmt.Errorf("pair %d: login: %w", i, err)
		}
		if err := f.echo(ctx, token); err != nil {
			return fmt.Errorf("pair %d: echo: %w", i, err)
		}
	}
	return nil
}

func (f flow) login(ctx context.Context) (string, error) {
	body, err := json.Marshal(map[string]any{"username": "demo", "password": "secret"})
	if err != nil {
		return "", err
	}
	status, _, b, err := f.do(ctx, http.MethodPost, f.base+"/login", body)
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
	if !ok {
		return "", errors.New("session.token: not found")
	}
	return fmt.Sprint(token), nil
}

func (f flow) echo(ctx context.Context, token string) error {
	status, header, b, err := f.do(ctx, http.MethodGet, f.base+"/echo?token="+url.QueryEscape(token), nil)
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

// do sends one request and reads its whole (bounded) body.
func (f flow) do(ctx context.Context, method, u string, body []byte) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
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
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(b) > maxBody {
		return 0, nil, nil, fmt.Errorf("body larger than %d bytes", maxBody)
	}
	return resp.StatusCode, resp.Header, b, nil
}
