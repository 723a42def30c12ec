package plangen_test

import (
	"fmt"
	"os"

	"github.com/smokex/smokex/plangen"
)

func ExampleFromCurl() {
	p, err := plangen.FromCurl(`curl -X POST https://api.example.com/login \
  -H 'Authorization: Bearer abc123' --json '{"user": "demo"}'`)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := plangen.Write(os.Stdout, p); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Written by smokex new --from-curl: one step that sends the command's request.
	// # The command's credentials are secrets, read from the environment when it runs: AUTHORIZATION.
	// name: post-api.example.com-login
	// secrets: [AUTHORIZATION]
	// steps:
	//   - post:
	//       name: "POST /login"
	//       url: "https://api.example.com/login"
	//       headers:
	//         authorization: "${AUTHORIZATION}"
	//         content-type: "application/json"
	//         accept: "application/json"
	//       body: {"user":"demo"}
	//       expect:
	//         status_code: 2xx
}
