package jsonmatch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nested returns a value n objects deep, built without recursion.
func nested(n int) any {
	var v any = 1
	for range n {
		v = map[string]any{"a": v}
	}
	return v
}

func TestCheckDepth(t *testing.T) {
	t.Parallel()
	const million = 1_000_000
	deep := []byte(strings.Repeat(`{"a":`, million) + "1" + strings.Repeat("}", million))
	require.Greater(t, len(deep), 5<<20)
	err := CheckDepth(deep)
	var de *DepthError
	require.ErrorAs(t, err, &de)
	require.Equal(t, 5*MaxDepth, de.Offset)
	require.EqualError(t, err, "the JSON nests deeper than 1000 levels (at byte 5000)")

	require.NoError(t, CheckDepth([]byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth))))
	require.Error(t, CheckDepth([]byte(strings.Repeat("[", MaxDepth+1))))
	// Brackets in strings do not count, escaped quotes included.
	require.NoError(t, CheckDepth([]byte(`["`+strings.Repeat(`\"[{`, 5000)+`"]`)))
	// Wide is not deep.
	require.NoError(t, CheckDepth([]byte("["+strings.Repeat("[],", 100000)+"[]]")))
}

func TestTooDeep(t *testing.T) {
	t.Parallel()
	require.False(t, TooDeep(nested(10), 10))
	require.True(t, TooDeep(nested(11), 10))
	require.True(t, TooDeep(nested(100_000), MaxDepth))
	require.False(t, TooDeep([]any{1, "a", []any{}}, 1))
	require.True(t, TooDeep([]any{1, "a", []any{[]any{}}}, 1))
}

func TestDescribeBounded(t *testing.T) {
	t.Parallel()
	// A hundred thousand levels: described without recursing past MaxDepth.
	got := Describe(nested(100_000))
	require.LessOrEqual(t, len(got), MaxDescription)
	require.True(t, strings.HasPrefix(got, `{"a":{"a":`), got[:20])
	require.True(t, strings.HasSuffix(got, "..."))

	// Just past the bound, within the budget: the deepest level is elided.
	small := nested(MaxDepth + 1)
	require.NotPanics(t, func() { Describe(small) })

	wide := make([]any, 100_000)
	for i := range wide {
		wide[i] = map[string]any{"k": strings.Repeat("x", 100)}
	}
	got = Describe(wide)
	require.Len(t, got, MaxDescription)

	require.Equal(t, `{"a":[1,"x\u003c",null,true,1.5],"b":{}}`, Describe(map[string]any{"b": map[string]any{}, "a": []any{1, "x<", nil, true, 1.5}}))
}

func TestMismatchOnDeepValue(t *testing.T) {
	t.Parallel()
	m := Match(map[string]any{"a": map[string]any{"b": 1}}, nested(100_000))
	require.NotNil(t, m)
	require.Equal(t, "$.a.b", m.Path)
	require.LessOrEqual(t, len(m.Received), MaxDescription)
}
