package redact

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	t.Parallel()
	rd := New([]string{"s3cret", "", "s3cret-longer", "a b"})
	cases := []struct{ in, want string }{
		{"", ""},
		{"nothing here", "nothing here"},
		{"token=s3cret", "token=[REDACTED]"},
		{"s3cret-longer!", "[REDACTED]!"},
		{"q=a+b&p=a%20b", "q=[REDACTED]&p=[REDACTED]"},
		{"s3crets3cret", "[REDACTED][REDACTED]"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, rd.String(c.in), c.in)
	}
}

func TestNilRedactsNothing(t *testing.T) {
	t.Parallel()
	rd := New([]string{"", ""})
	require.Nil(t, rd)
	require.Equal(t, "x", rd.String("x"))
	m := map[string]any{"a": "b"}
	require.Equal(t, m, rd.Value(m))
}

func TestValue(t *testing.T) {
	t.Parallel()
	rd := New([]string{"pw"})
	in := map[string]any{
		"user":  "bob",
		"pass":  "pw",
		"list":  []any{"x", "my pw", int64(3), map[string]any{"pw": true}},
		"names": []string{"pw", "ok"},
		"n":     1.5,
	}
	out := rd.Value(in)
	require.Equal(t, map[string]any{
		"user":  "bob",
		"pass":  "[REDACTED]",
		"list":  []any{"x", "my [REDACTED]", int64(3), map[string]any{"[REDACTED]": true}},
		"names": []string{"[REDACTED]", "ok"},
		"n":     1.5,
	}, out)
	// The input is left as it was.
	require.Equal(t, "pw", in["pass"])
	require.Equal(t, "my pw", in["list"].([]any)[1])

	unchanged := []any{"a", "b"}
	got := rd.Value(unchanged).([]any)
	require.Same(t, &unchanged[0], &got[0])
}
