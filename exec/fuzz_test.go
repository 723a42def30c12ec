package exec_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// FuzzInterpolate runs a step whose URL, header, body and expected text
// hold a fuzzed template over fuzzed variables, in process. A run must
// never panic or hang, must fail only with the kinds a template can cause,
// and must never show the secret.
func FuzzInterpolate(f *testing.F) {
	for _, seed := range []struct{ tpl, v, secret string }{
		{"${v}", "x", "hunter"},
		{"a ${s} b", "", "secret"},
		{"${v + s}", "1", "pass"},
		{"${len(v)}", "abc", "zzzz"},
		{"${nope}", "x", "word"},
		{"$${v}", "y", "qqqq"},
		{"${[v, s]}", "a b", "token"},
		{"${ {'k': s} }", "", "keys"},
		{"%zz${v}", "\n", "abcd"},
		{"${v}", "http://x/", "host"},
		// Depth-heavy: deep expressions, deep JSON in a variable.
		{"${" + strings.Repeat("!", 5000) + "true}", "x", "deep"},
		{"${" + strings.Repeat("(", 3000) + "v" + strings.Repeat(")", 3000) + "}", "x", "deep"},
		{"${v" + strings.Repeat(".a", 3000) + "}", "x", "deep"},
		{"${-" + strings.Repeat("-+", 3000) + "1}", "x", "deep"},
		{"${fromJSON(v)}", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "deep"},
		{"${fromJSON(v)}", strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000), "deep"},
	} {
		f.Add(seed.tpl, seed.v, seed.secret)
	}
	r := exec.New(exec.Config{Client: inProcess(http.HandlerFunc(echo))})
	f.Fuzz(func(t *testing.T, tplText, v, secret string) {
		if len(secret) < 4 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyz") != "" {
			return // the check below needs a secret that cannot arise from the mask, and long enough to be masked inside text
		}
		build := func(s string) *plan.Template {
			x, err := plan.NewTemplate(s)
			if err != nil {
				return nil
			}
			return x
		}
		u, h, want := build("http://app.test/p?q="+tplText), build(tplText), build(tplText)
		if u == nil || h == nil {
			return
		}
		body := &plan.Value{Kind: plan.KindMap, Map: []plan.Field{{Key: "k", Value: &plan.Value{Kind: plan.KindString, Str: h}}}}
		p := &plan.Plan{ID: "fuzz", Steps: []plan.Step{{
			Method:  "POST",
			URL:     u,
			Headers: []plan.Param{{Name: "X-Fuzz", Values: []*plan.Template{h}}},
			Body:    body,
			Expect:  plan.Expect{String: want},
			Options: plan.Options{Debug: plan.Setting[bool]{Set: true, Value: true}},
		}}}
		e := r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"v": v}, Secrets: map[string]string{"s": secret}})
		if !e.Status.Done() || len(e.Steps) != 1 {
			t.Fatalf("status %s, %d steps", e.Status, len(e.Steps))
		}
		res := e.Steps[0]
		if res.Error != nil {
			switch res.Error.Kind {
			case record.ErrInterpolation, record.ErrInvalidURL, record.ErrRequest:
			default:
				t.Fatalf("error kind %s: %s", res.Error.Kind, res.Error.Message)
			}
		}
		for _, s := range shown(res) {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q shown in %q", secret, s)
			}
		}
	})
}

// shown lists the text a step result shows, header names aside.
func shown(r record.StepResult) []string {
	out := []string{r.Name, r.URL}
	if r.Request != nil {
		out = append(out, r.Request.URL, r.Request.Body)
		for _, vs := range r.Request.Headers {
			out = append(out, vs...)
		}
	}
	if r.Response != nil {
		out = append(out, r.Response.Body)
		for _, vs := range r.Response.Headers {
			out = append(out, vs...)
		}
	}
	if r.Error != nil {
		out = append(out, r.Error.Message)
	}
	for _, f := range r.Failures {
		out = append(out, f.Name, f.Expected, f.Received)
	}
	return out
}
