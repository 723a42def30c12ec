package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// indentSamples are JSON documents with what json.Indent treats apart:
// empty and nested objects and arrays, strings with escapes, brackets,
// commas and colons inside them, and spaces between tokens.
var indentSamples = []string{
	`{}`, `[]`, `0`, `"s"`, `null`, `[[]]`, `{"a":{}}`, `[{},[],{"b":[]}]`,
	`{"a":1,"b":[1,2,{"c":null}],"d":"x,y:z{}[]","e":"\"q\\\"","f":"\\\\"}`,
	` { "a" : [ 1 , 2 ] ,
	  "b":"\u2028\ttab" } `,
	`[[[[1]]],{"":{"":[]}}]`,
	`{"plan":"p","steps":[{"index":0,"failures":[],"error":null}],"error":null}`,
}

// indentAsStream writes doc to a jsonIndenter in pieces cut at the
// offsets given, and returns what it wrote.
func indentAsStream(t testing.TB, doc []byte, cuts ...int) string {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	x := &jsonIndenter{w: bw, indent: "  "}
	last := 0
	for _, c := range append(cuts, len(doc)) {
		_, err := x.Write(doc[last:c])
		require.NoError(t, err)
		last = c
	}
	require.NoError(t, bw.Flush())
	return out.String()
}

func jsonIndent(t testing.TB, doc []byte) string {
	var want bytes.Buffer
	require.NoError(t, json.Indent(&want, doc, "", "  "))
	return want.String()
}

// The indenter writes what json.Indent does, whether a document comes in
// one write or a byte at a time.
func TestJSONIndenter(t *testing.T) {
	t.Parallel()
	for _, doc := range indentSamples {
		want := jsonIndent(t, []byte(doc))
		require.Equal(t, want, indentAsStream(t, []byte(doc)), doc)
		bytewise := make([]int, len(doc))
		for i := range bytewise {
			bytewise[i] = i
		}
		require.Equal(t, want, indentAsStream(t, []byte(doc), bytewise...), doc)
	}
}

func FuzzJSONIndenter(f *testing.F) {
	for _, doc := range indentSamples {
		f.Add([]byte(doc), uint(len(doc)/2))
	}
	f.Fuzz(func(t *testing.T, doc []byte, cut uint) {
		if !json.Valid(doc) {
			t.Skip()
		}
		require.Equal(t, jsonIndent(t, doc), indentAsStream(t, doc, int(cut%uint(len(doc)+1))))
	})
}
