package postgres

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

func TestReplaceNULEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`"a\u0000b"`, `"a\ufffdb"`},
		{`"\\u0000"`, `"\\u0000"`},
		{`"\\\u0000"`, `"\\\ufffd"`},
		{`"\u00001"`, `"\ufffd1"`},
		{`"\u0001"`, `"\u0001"`},
		{`"\u000"`, `"\u000"`},
		{`"end\`, `"end\`},
		{`{"\u0000":"\u0000"}`, `{"\ufffd":"\ufffd"}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, string(replaceNULEscapes([]byte(tt.in))), tt.in)
	}
}

func TestTruncateUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abc", 2, "ab"},
		{"abc", 0, ""},
		{"é", 1, ""},
		{"aé", 2, "a"},
		{"🚀x", 3, ""},
		{"🚀x", 4, "🚀"},
		{"\xff\xfe", 1, "\xff"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, truncateUTF8(tt.in, tt.n), "%q cut at %d", tt.in, tt.n)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := cursor{CreatedAt: time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC), ID: "ex/ä 1"}
	got, err := decodeCursor(c.encode())
	require.NoError(t, err)
	require.True(t, c.CreatedAt.Equal(got.CreatedAt))
	require.Equal(t, c.ID, got.ID)
	require.False(t, strings.ContainsAny(c.encode(), "+/="), "URL-safe")
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	ms, err := loadMigrations(migrationFS)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	require.Equal(t, 1, ms[0].Version)
	require.Equal(t, "init", ms[0].Name)
}

func TestStoredStepIsTheWireFormat(t *testing.T) {
	t.Parallel()
	r := &record.StepResult{
		Index: 2, Name: "n", Method: "GET", URL: "http://127.0.0.1/",
		Response: &record.Response{StatusCode: 200, Body: "abcdef"},
		Timings:  record.Timings{Total: 30250 * time.Microsecond},
	}
	doc, err := storedStep(r, 3)
	require.NoError(t, err)
	want, err := json.Marshal(&record.StepResult{
		Index: 2, Name: "n", Method: "GET", URL: "http://127.0.0.1/",
		Response: &record.Response{StatusCode: 200, Body: "abc"},
		Timings:  record.Timings{Total: 30250 * time.Microsecond},
	})
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(doc), "the stored document is the record's wire format, body cut")
	require.Contains(t, string(doc), `"duration_ms":30.25`)
	require.Equal(t, "abcdef", r.Response.Body, "the result itself is not cut")
}
