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
	} {
		require.Equal(t, tc.want, tc.f.String())
	}
}
