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

func ExampleFromOpenAPI() {
	doc := []byte(`openapi: 3.1.0
info: {title: Shop, version: "1"}
servers: [{url: "https://shop.example.com/api"}]
paths:
  /items/{id}:
    get:
      tags: [items]
      operationId: getItem
      summary: One item
      parameters: [{name: id, in: path, required: true, schema: {type: integer}, example: 7}]
      responses:
        "200":
          description: The item
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
    delete:
      tags: [items]
      operationId: deleteItem
      responses: {"204": {description: Deleted}}
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties: {id: {type: integer}, name: {type: [string, "null"]}}
`)
	plans, err := plangen.FromOpenAPI(doc, &plangen.OpenAPIOpts{SchemaFile: "openapi.yaml", Source: "openapi.yaml"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := plangen.Write(os.Stdout, plans[0]); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Written by smokex new --from-openapi from openapi.yaml: the GET operations tagged items.
	// # Each step expects what the document declares: the status, the content type and, for JSON, the body's schema.
	// name: shop-items
	// vars:
	//   base: "https://shop.example.com/api"
	// steps:
	//   # One item
	//   - get:
	//       name: "getItem"
	//       url: "${base}/items/7"
	//       headers:
	//         accept: "application/json"
	//       expect:
	//         status_code: 200
	//         headers:
	//           content-type: {contains: "application/json"}
	//         json_schema: {$ref: "openapi.yaml#/components/schemas/Item"}
	//
	// # Not sent (a monitor must not change what it watches, or needs values
	// # the source does not give):
	// #   DELETE /items/{id} (deleteItem): writes
}

func ExampleFromHAR() {
	har := []byte(`{"log": {"entries": [
  {"request": {"method": "POST", "url": "https://api.example.com/login",
     "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "User-Agent", "value": "Mozilla/5.0"}],
     "postData": {"mimeType": "application/json", "text": "{\"user\": \"demo\", \"password\": \"hunter22\"}"}},
   "response": {"status": 200, "content": {"mimeType": "application/json", "text": "{\"token\": \"9f8e7d6c5b4a\"}"}}},
  {"request": {"method": "GET", "url": "https://api.example.com/logo.png", "headers": []},
   "response": {"status": 200, "content": {"mimeType": "image/png"}}},
  {"request": {"method": "GET", "url": "https://api.example.com/orders",
     "headers": [{"name": "Authorization", "value": "Bearer 9f8e7d6c5b4a"}]},
   "response": {"status": 200, "content": {"mimeType": "application/json", "text": "[]"}}}
]}}`)
	p, err := plangen.FromHAR(har, &plangen.HAROpts{Source: "session.har"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := plangen.Write(os.Stdout, p); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Written by smokex new --from-har from session.har: the requests to api.example.com, in order, each expecting its recorded status.
	// # Left out: 1 static asset or preflight.
	// # The session's credentials are secrets, read from the environment when it runs: PASSWORD.
	// name: session-api.example.com
	// vars:
	//   base: "https://api.example.com"
	// secrets: [PASSWORD]
	// steps:
	//   - post:
	//       name: "POST /login"
	//       url: "${base}/login"
	//       headers:
	//         content-type: "application/json"
	//       body: {"password":"${PASSWORD}","user":"demo"}
	//       expect:
	//         status_code: 200
	//       save_from_response:
	//         - variable_name: token
	//           json_path: "$.token"
	//   - get:
	//       name: "GET /orders"
	//       url: "${base}/orders"
	//       headers:
	//         authorization: "Bearer ${token}"
	//       expect:
	//         status_code: 200
}
