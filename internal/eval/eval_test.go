package eval

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemplateEval(t *testing.T) {
	t.Parallel()
	env := Env{"base": "http://x", "n": 23, "token": "abc", "m": map[string]any{"a": []any{1, 2}}}
	cases := []struct {
		in   string
		want any
	}{
		{"plain", "plain"},
		{"", ""},
		{"${n}", 23},
		{"points: ${n}", "points: 23"},
		{"${base + '/v1'}", "http://x/v1"},
		{"${upper(token)}", "ABC"},
		{"$${literal}", "${literal}"},
		{"a ${ {'k': '}'}.k } b", "a } b"},
		{"${m.a}", []any{1, 2}},
		{"x=${m}", `x={"a":[1,2]}`},
		{"${1.5 * 2}", 3.0},
		{"${sha256('a')}", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
	}
	for _, c := range cases {
		tpl, err := ParseTemplate(c.in)
		require.NoError(t, err, c.in)
		got, err := tpl.Eval(env)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
	}
}

func TestTemplateNames(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate("${b + a} ${let x = c; x + len(d)} ${uuid()}")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c", "d"}, tpl.Names())
	_, ok := tpl.Literal()
	require.False(t, ok)
}

func TestUndefined(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate("Bearer ${token}")
	require.NoError(t, err)
	_, err = tpl.Eval(Env{})
	var ue *UndefinedError
	require.True(t, errors.As(err, &ue))
	require.Equal(t, "token", ue.Name)
}

func TestSyntaxErrorOffset(t *testing.T) {
	t.Parallel()
	for in, off := range map[string]int{
		"abc ${":       4,
		"abc ${1 +}":   6,
		"${'unclosed}": 2,
		"ok ${} there": 5,
		"héé ${a b c}": 8,
	} {
		_, err := ParseTemplate(in)
		var se *SyntaxError
		require.True(t, errors.As(err, &se), in)
		require.GreaterOrEqual(t, se.Offset, off, in)
		require.LessOrEqual(t, se.Offset, len(in), in)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]any{
		"base64('hi')":                "aGk=",
		"base64decode('aGk=')":        "hi",
		"urlencode('a b&c')":          "a+b%26c",
		"len(random_string(12))":      12,
		"random_int(3, 3)":            int64(3),
		"len(uuid())":                 36,
		"hmac_sha256('k', 'm') != ''": true,
		"unix() > 1700000000":         true,
	} {
		p, err := Compile(src)
		require.NoError(t, err, src)
		got, err := p.Run(Env{})
		require.NoError(t, err, src)
		require.Equal(t, want, got, src)
	}
	p, err := Compile("random_int(5, 1)")
	require.NoError(t, err)
	_, err = p.Run(Env{})
	require.ErrorContains(t, err, "upper bound")
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"", "a", "${a}", "x ${a + 1} y", "$${a}", "${'}'}", "${", "${{}", "${`a`}"} {
		f.Add(s)
	}
	// Depth-heavy inputs, so that the fuzzer starts where the parser once
	// overflowed its stack.
	for _, src := range deepExpressions() {
		f.Add("${" + src[:min(len(src), 20000)] + "}")
	}
	f.Add("${" + strings.Repeat("a.", 5000) + "a}")
	f.Add("${" + strings.Repeat("{", 5000) + "}")
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := ParseTemplate(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("offset %d out of range for %q", se.Offset, s)
			}
			return
		}
		_, _ = tpl.Eval(Env{"a": 1})
	})
}

func TestDurationIsAVariable(t *testing.T) {
	t.Parallel()
	p, err := Compile("duration < 1000")
	require.NoError(t, err)
	require.Equal(t, []string{"duration"}, p.Names())
	got, err := p.Run(Env{"duration": 250})
	require.NoError(t, err)
	require.Equal(t, true, got)
}

func TestParseTemplateCache(t *testing.T) {
	t.Parallel()
	cache := map[string]*Program{}
	a, err := ParseTemplateCache("${base}/a", cache, nil)
	require.NoError(t, err)
	b, err := ParseTemplateCache("${base}/b ${n + 1}", cache, nil)
	require.NoError(t, err)
	require.Len(t, cache, 2)
	require.Same(t, a.Expressions()[0], b.Expressions()[0])
	got, err := b.Eval(Env{"base": "x", "n": 1})
	require.NoError(t, err)
	require.Equal(t, "x/b 2", got)

	_, err = ParseTemplateCache("ok ${n +}", cache, nil)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Len(t, cache, 2, "a failed compile is not cached")
}

// A program that reads one variable gives what the VM would.
func TestIdentifierFastPath(t *testing.T) {
	t.Parallel()
	p, err := Compile("base")
	require.NoError(t, err)
	for _, v := range []any{"http://x", 1, nil, []any{1}, map[string]any{"a": 1}} {
		got, err := p.Run(Env{"base": v})
		require.NoError(t, err)
		require.Equal(t, v, got)
	}
	_, err = p.Run(Env{})
	var ue *UndefinedError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "base", ue.Name)
}

// Programs gives the plans loaded together one program per source, safely
// from several goroutines, and never keeps an error, whose position
// depends on where the expression is written.
func TestProgramsShared(t *testing.T) {
	t.Parallel()
	shared := &Programs{}
	got := make([]*Program, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			tpl, err := ParseTemplateCache("${base}/a", map[string]*Program{}, shared)
			require.NoError(t, err)
			got[i] = tpl.Expressions()[0]
		})
	}
	wg.Wait()
	for _, p := range got[1:] {
		require.Same(t, got[0], p)
	}
	p, err := shared.Compile("base")
	require.NoError(t, err)
	require.Same(t, got[0], p)

	_, alone := ParseTemplateCache("ok ${n +}", nil, nil)
	_, err = ParseTemplateCache("ok ${n +}", nil, shared)
	require.Equal(t, alone, err)
	_, alone = Compile("n +")
	_, err = shared.Compile("n +")
	require.Equal(t, alone, err, "the position within the bare expression, not the template's")

	p, err = (*Programs)(nil).Compile("n + 1")
	require.NoError(t, err)
	require.Equal(t, []string{"n"}, p.Names())
}
