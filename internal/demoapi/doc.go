// Package demoapi is a small HTTP API that the examples, the end-to-end
// tests and the README's walkthrough run plans against. It is modelled on
// the services the original Smokex examples exercised: a health check, a
// login that hands out a session token, an authenticated profile, echo
// endpoints for query strings and forms, an HTML page for CSS assertions, a
// redirect and arbitrary status codes.
//
// Each handler [New] returns keeps its own sessions; nothing is shared
// between two handlers. Start one with httptest in a test, or run
// examples/demoapi to serve it on a loopback address.
//
// Endpoints:
//
//	GET  /health         200 {"status":"ok"}
//	POST /login          JSON {"username","password"}; demo/secret gives
//	                     200 {"session":{"token":"...","user":"demo"}}, else 401
//	GET  /me             Authorization: Bearer <token> gives
//	                     200 {"user":{"name":"demo","points":23}}, else 401
//	POST /points         JSON {"points": n}: 200 echoing n, 400 if n is not a number
//	GET  /echo           the query parameters as a JSON object, header X-Echo: yes
//	POST /form           the x-www-form-urlencoded fields as a JSON object
//	GET  /page           an HTML page with a title and a list
//	GET  /redirect       302 to /health
//	GET  /status/{code}  responds with that status code
//	GET  /delay/{ms}     responds 200 after ms milliseconds (at most MaxDelay)
//
// Every response carries the header Server: smokex-demo.
package demoapi
