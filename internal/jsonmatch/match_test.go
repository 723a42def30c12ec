package jsonmatch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		exp, act string
		path     string // empty: a match
		expected string
		received string
	}{
		{name: "equal", exp: `{"a":1}`, act: `{"a":1}`},
		{name: "subset", exp: `{"a":1}`, act: `{"a":1,"b":2}`},
		{name: "nested subset", exp: `{"u":{"id":7}}`, act: `{"u":{"id":7,"n":"x"},"z":[]}`},
		{name: "int and float", exp: `{"a":1.0}`, act: `{"a":1}`},
		{name: "array", exp: `[{"id":1},{"id":2}]`, act: `[{"id":1,"x":0},{"id":2}]`},
		{name: "null", exp: `{"a":null}`, act: `{"a":null}`},
		{name: "string number", exp: `{"a":"23"}`, act: `{"a":23}`},
		{name: "string bool", exp: `{"a":"true"}`, act: `{"a":true}`},
		{name: "wrong value", exp: `{"user":{"id":8}}`, act: `{"user":{"id":7}}`, path: "$.user.id", expected: "8", received: "7"},
		{name: "missing key", exp: `{"a":{"b":1}}`, act: `{"a":{}}`, path: "$.a.b", expected: "1", received: "no such key"},
		{name: "array length", exp: `{"l":[1,2]}`, act: `{"l":[1,2,3]}`, path: "$.l", expected: "2 elements", received: "3 elements"},
		{name: "array element", exp: `[1,{"k":"v"}]`, act: `[1,{"k":"w"}]`, path: "$[1].k", expected: `"v"`, received: `"w"`},
		{name: "not object", exp: `{"a":{"b":1}}`, act: `{"a":[1]}`, path: "$.a", expected: "an object", received: "an array"},
		{name: "odd key", exp: `{"a b":1}`, act: `{"a b":2}`, path: `$["a b"]`, expected: "1", received: "2"},
		{name: "type", exp: `{"a":"1x"}`, act: `{"a":1}`, path: "$.a", expected: `"1x"`, received: "1"},
		{name: "null vs value", exp: `{"a":null}`, act: `{"a":0}`, path: "$.a", expected: "null", received: "0"},
		{name: "first in key order", exp: `{"b":1,"a":1}`, act: `{"a":2,"b":2}`, path: "$.a", expected: "1", received: "2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := Match(decode(t, c.exp), decode(t, c.act))
			if c.path == "" {
				require.Nil(t, m)
				return
			}
			require.NotNil(t, m)
			require.Equal(t, Mismatch{Path: c.path, Expected: c.expected, Received: c.received}, *m)
		})
	}
}

func TestMatchGoTypes(t *testing.T) {
	t.Parallel()
	exp := map[string]any{"n": int64(3), "f": 2.5, "i": 4}
	require.Nil(t, Match(exp, map[string]any{"n": 3.0, "f": 2.5, "i": int64(4)}))
	require.NotNil(t, Match(exp, map[string]any{"n": 3.5, "f": 2.5, "i": 4}))
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", Truncate("abc", 10))
	require.Equal(t, "abcd...", Truncate("abcdefghij", 7))
	require.Equal(t, "é...", Truncate("éééé", 6))
}
