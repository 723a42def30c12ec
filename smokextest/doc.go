// Package smokextest runs smokex plans from a host's own go test: each plan
// is a subtest, each step a subtest of it that reports its failures the Go
// way. Plans run against a URL or against an http.Handler served on a
// loopback test server.
//
//	func TestSmoke(t *testing.T) {
//		smokextest.RunDir(t, "testdata/plans", &smokextest.Opts{Handler: api.New()})
//	}
package smokextest
