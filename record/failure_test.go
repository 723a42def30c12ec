package record_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

func TestFailureNamesItsTypeOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    record.Failure
		want string
	}{
		{record.Failure{Type: record.FailureStatusCode, Name: "status_code", Expected: "200", Received: "503"}, "status_code: expected 200, received 503"},
		{record.Failure{Type: record.FailureStatusCode, Expected: "200", Received: "503"}, "status_code: expected 200, received 503"},
		{record.Failure{Type: record.FailureHeader, Name: "Server", Expected: "a", Received: "b"}, "header Server: expected a, received b"},
		{record.Failure{Type: record.FailureCertificate, Name: "127.0.0.1", Expected: "more than 14 days", Received: "expires in 9 days 23 h (2026-12-15 14:38 UTC)"},
			"certificate for 127.0.0.1 expires in 9 days 23 h (2026-12-15 14:38 UTC), expected more than 14 days"},
	} {
		require.Equal(t, tc.want, tc.f.String())
	}
}
