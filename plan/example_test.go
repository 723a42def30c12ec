package plan_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/smokex/smokex/plan"
)

func ExampleParse() {
	src := []byte(`
- get:
    host: "https://api.example.com/health"
    expect:
      status_code: 200
- post:
    host: "https://api.example.com/login"
    body: {username: "${USER}", password: "${PASSWORD}"}
    save_from_response:
      - variable_name: "token"
        json_path: "session.token"
- get:
    host: "https://api.example.com/me"
    headers:
      authorization: "Bearer ${token}"
`)
	p, err := plan.Parse(src, &plan.ParseOpts{File: "plans/login.yaml"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.ID, p.Form, len(p.Steps))
	for _, s := range p.Steps {
		fmt.Println(s.Method, s.URL)
	}
	c := p.Steps[1].Captures[0]
	fmt.Println(c.Variable, "<-", c.Path)
	// Output:
	// login seed 3
	// GET https://api.example.com/health
	// POST https://api.example.com/login
	// GET https://api.example.com/me
	// token <- $.session.token
}

func ExampleParse_errors() {
	src := []byte(`name: checkout
schedule: "*/5 * * *"
steps:
  - get:
      host: "https://api.example.com/cart/${cart_id"
      expect:
        status: 200
`)
	_, err := plan.Parse(src, &plan.ParseOpts{File: "checkout.yaml"})
	fmt.Println(err)

	var list plan.ErrorList
	if errors.As(err, &list) {
		fmt.Println(len(list), "errors; the first at line", list[0].Line, "column", list[0].Column)
	}
	// Output:
	// checkout.yaml:2:11: schedule "*/5 * * *" is not a valid cron spec: expected 5 to 6 fields, found 4: [*/5 * * *]
	// checkout.yaml:5:43: host: invalid expression: "${" is not closed by "}" (write "$${" for a literal "${")
	// checkout.yaml:7:9: unknown key "status" in expect; did you mean "status_code"?
	// 3 errors; the first at line 2 column 11
}

func ExampleLoadFS() {
	fsys := fstest.MapFS{
		"health.yaml": {Data: []byte(`- get: {host: "https://api.example.com/health"}`)},
		"shop/checkout.yml": {Data: []byte(`
name: Checkout
schedule: "@every 5m"
steps:
  - get: {host: "https://shop.example.com/cart"}
`)},
		"README.md": {Data: []byte("not a plan")},
	}
	plans, err := plan.LoadFS(fsys, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plans {
		fmt.Printf("%s id=%s schedule=%q\n", p.File, p.ID, p.Schedule)
	}
	// Output:
	// health.yaml id=health schedule=""
	// shop/checkout.yml id=checkout schedule="@every 5m"
}

func ExampleLint() {
	p, err := plan.Parse([]byte(`
vars: {base: "https://api.example.com"}
steps:
  - post:
      host: "${base}/login"
      body: {user: "${USER}"}
      save_from_response:
        - {variable_name: token, json_path: token}
  - get:
      host: "${bse}/me"
      headers: {authorization: "Bearer ${token}"}
      expect:
        assert: ["status == 200 && json.id == user_id"]
`), &plan.ParseOpts{File: "me.yaml"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range plan.Lint(p, []string{"USER"}) {
		fmt.Println(w)
	}
	// Output:
	// me.yaml:10:13: undefined name "bse" in host; did you mean "base"?
	// me.yaml:13:18: undefined name "user_id" in assert: no var, secret, earlier capture or passed variable defines it
}

// Suggest finds the likely intended name of a misspelt one.
func ExampleSuggest() {
	fmt.Println(plan.Suggest("demo-logn", []string{"demo-login", "demo-orders"}))
	fmt.Println(plan.Suggest("strnig", plan.JSONTypes()))
	fmt.Printf("%q\n", plan.Suggest("payments", []string{"demo-login"}))
	// Output:
	// demo-login
	// string
	// ""
}
