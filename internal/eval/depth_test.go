package eval

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hostileSize is about the size of the plans that crashed the parser: just
// under the 1 MiB a plan may hold.
const hostileSize = 1 << 20

// deepExpressions are expressions that nest far past MaxExpressionDepth,
// each about a megabyte, built here rather than kept as files.
func deepExpressions() map[string]string {
	n := hostileSize / 2
	return map[string]string{
		"not":         strings.Repeat("!", hostileSize) + "true",
		"not word":    strings.Repeat("not ", hostileSize/4) + "true",
		"parentheses": strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"unary minus": strings.Repeat("-", hostileSize) + "1",
		"unary mixed": strings.Repeat("-+!", hostileSize/3) + "1",
		"members":     "a" + strings.Repeat(".b", n),
		"optional":    "a" + strings.Repeat("?.b", hostileSize/3),
		"indexes":     "a" + strings.Repeat("[0]", hostileSize/3),
		"calls":       strings.Repeat("len(", hostileSize/4) + "a" + strings.Repeat(")", hostileSize/4),
		"lists":       strings.Repeat("[", n) + strings.Repeat("]", n),
		"maps":        strings.Repeat("{a:", hostileSize/3) + "1" + strings.Repeat("}", hostileSize/3),
		"power":       "2" + strings.Repeat("**2", hostileSize/3),
		"conditional": strings.Repeat("a ? 1 : ", hostileSize/8) + "2",
		"let":         strings.Repeat("let x = 1; ", hostileSize/11) + "x",
		"unclosed":    strings.Repeat("(", hostileSize),
	}
}

func TestDeepExpressionIsASyntaxError(t *testing.T) {
	t.Parallel()
	for name, src := range deepExpressions() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(src)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%v", err)
			require.Contains(t, se.Message, "nests deeper than 100 levels")
			// The offset points at the token past the bound, near the
			// start of the source.
			require.Greater(t, se.Offset, 0)
			require.Less(t, se.Offset, 2000)

			_, err = ParseTemplate("x ${" + src + "} y")
			require.True(t, errors.As(err, &se), "%v", err)
			require.Contains(t, se.Message, "nests deeper")
			require.Greater(t, se.Offset, 4)
		})
	}
}

func TestNestingWithinTheBoundCompiles(t *testing.T) {
	t.Parallel()
	d := MaxExpressionDepth - 2
	for _, src := range []string{
		strings.Repeat("!", d) + "true",
		strings.Repeat("(", d) + "1" + strings.Repeat(")", d),
		"m" + strings.Repeat(".a", d),
		// Long chains of left-associative operators do not nest.
		"1" + strings.Repeat(" + 1", 2000),
		strings.Repeat("!a && ", 500) + "true",
		"[" + strings.Repeat("1, ", 2000) + "1]",
		"filter([1, 2], # > 1) | map(# * 2) | len()",
		"a not in [1] and -a < 0 ? upper('x') : 'y'",
	} {
		_, err := Compile(src)
		require.NoError(t, err, src[:min(len(src), 60)])
	}
}
