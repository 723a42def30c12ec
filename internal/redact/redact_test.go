package redact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	t.Parallel()
	rd := New([]string{"s3cret", "", "s3cret-longer", "a b c"})
	cases := []struct{ in, want string }{
		{"", ""},
		{"nothing here", "nothing here"},
		{"token=s3cret", "token=[REDACTED]"},
		{"s3cret-longer!", "[REDACTED]!"},
		{"q=a+b+c&p=a%20b%20c", "q=[REDACTED]&p=[REDACTED]"},
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
	rd := New([]string{"hunter2"})
	in := map[string]any{
		"user":  "bob",
		"pass":  "hunter2",
		"list":  []any{"x", "my hunter2", int64(3), map[string]any{"hunter2": true}},
		"names": []string{"hunter2", "ok"},
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
	require.Equal(t, "hunter2", in["pass"])
	require.Equal(t, "my hunter2", in["list"].([]any)[1])

	unchanged := []any{"a", "b"}
	got := rd.Value(unchanged).([]any)
	require.Same(t, &unchanged[0], &got[0])
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	rd := New([]string{"secret"})
	long := strings.Repeat("a", 8) + "secret" + strings.Repeat("b", 100)
	cases := []struct {
		rd   *Redactor
		in   string
		n    int
		want string
	}{
		{rd, "short secret", 100, "short [REDACTED]"},
		{rd, long, 12, "aaaaaaaa[..."},
		{rd, long, 30, "aaaaaaaa[REDACTED]bbbbbbbbb..."},
		{rd, "aaaasecret", 8, "aaaa[..."},
		{nil, "héllo wörld", 7, "hél..."},
		{nil, strings.Repeat("é", 10), 100, strings.Repeat("é", 10)},
		{New([]string{strings.Repeat("s", 50)}), "x" + strings.Repeat("s", 50) + strings.Repeat("é", 40), 20, "x[REDACTED]ééé..."},
		// Read up to a split rune, then made shorter by redaction.
		{New([]string{strings.Repeat("a", 50), strings.Repeat("b", 20)}), strings.Repeat("b", 140) + strings.Repeat("é", 10), 100, strings.Repeat("[REDACTED]", 7) + strings.Repeat("é", 6) + "..."},
	}
	for _, c := range cases {
		got := c.rd.Excerpt(c.in, c.n)
		require.Equal(t, c.want, got, c.in)
		require.LessOrEqual(t, len(got), max(c.n, 3))
		require.True(t, utf8.ValidString(got), got)
	}
}

func FuzzExcerpt(f *testing.F) {
	f.Add("aaasecretbbb", 5)
	f.Add("sécret", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 || !utf8.ValidString(s) {
			return
		}
		rd := New([]string{"secret"})
		got := rd.Excerpt(s, n)
		if len(got) > max(n, 3) {
			t.Fatalf("len %d > %d", len(got), n)
		}
		// What is shown is the start of the text redacted whole: no part
		// of a secret cut in two.
		if full := rd.String(s); !strings.HasPrefix(full, strings.TrimSuffix(got, "...")) {
			t.Fatalf("%q is not the start of %q", got, full)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
	})
}

// TestJSONEscapedForms checks that a secret is masked as JSON writes it in a
// string, with and without HTML escaping: a request body holds it so.
func TestJSONEscapedForms(t *testing.T) {
	t.Parallel()
	rd := New([]string{`pa"ss\<&>`})
	for _, in := range []string{
		`{"password":"pa\"ss\\<&>"}`,
		`{"password":"pa\"ss\\\u003c\u0026\u003e"}`,
	} {
		require.Equal(t, `{"password":"[REDACTED]"}`, rd.String(in), in)
	}
}
