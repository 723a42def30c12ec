package workload

import (
	"fmt"
	"strings"
)

// DefaultBase is the base URL a plan uses when its run passes none
// (--var base=...).
const DefaultBase = "http://127.0.0.1:8080"

// Plan returns the source of a plan named name of pairs login+echo pairs:
// 2*pairs steps.
func Plan(name string, pairs int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `name: %s
description: %d logins, each followed by an echo of its session token
vars:
  base: %q
steps:
`, name, pairs, DefaultBase)
	for i := range pairs {
		fmt.Fprintf(&b, `  - post:
      name: login %d
      host: "${base}/login"
      body: {username: demo, password: secret}
      expect:
        status_code: 200
      save_from_response:
        - variable_name: token
          json_path: session.token
  - get:
      name: echo %d
      host: "${base}/echo"
      query: {token: "${token}"}
      expect:
        status_code: 200
        headers: {X-Echo: "yes"}
        json: {token: "${token}"}
`, i+1, i+1)
	}
	return []byte(b.String())
}
