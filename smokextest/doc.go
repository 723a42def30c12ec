// Package smokextest runs smokex plans from a host's own go test: each plan
// is a subtest, each step a subtest of it that reports its failures the Go
// way, each at its place in the plan ("plans/login.yaml:7:22: status_code:
// expected 200, received 401"). A step's subtest is its number and name
// (an unnamed step's method and URL path), with no slash, so that -run
// selects it; a step skipped after a failure is reported as skipped, with
// the step that failed. Plans run against a URL or against an http.Handler
// served on a loopback test server.
//
//	func TestSmoke(t *testing.T) {
//		smokextest.RunDir(t, "testdata/plans", &smokextest.Opts{Handler: api.New()})
//	}
package smokextest
