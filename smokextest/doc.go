// Package smokextest runs smokex plans from a host's own go test: each plan
// is a subtest, each step a subtest of it that reports its failures the Go
// way, each at its place in the plan ("plans/login.yaml:7:22: status_code:
// expected 200, received 401"), failed assertions first and then the error
// that came after them, reported at the line of the host's test that
// called RunDir, RunFS, RunFile or RunPlan. A step's subtest is its number
// and the plan's name for it, or for an unnamed step its method and URL
// template without scheme and host ("02_GET_api_orders_{order}" for
// "${base}/api/orders/${order}"), with no slash: the name is the same
// whether the step ran or was skipped and whatever its variables held, so
// that -run selects it; a step skipped after a failure is reported as
// skipped, with the step that failed. Plans run against a URL or against an http.Handler
// served on a loopback test server.
//
//	func TestSmoke(t *testing.T) {
//		smokextest.RunDir(t, "testdata/plans", &smokextest.Opts{Handler: api.New()})
//	}
package smokextest
