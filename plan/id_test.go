package plan_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestCheckID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"checkout":                              "",
		"01a24729-564d-7280-8e97-432506af5fa2":  "",
		strings.Repeat("a", plan.MaxIDLength):   "",
		"":                                      "an id must not be empty",
		strings.Repeat("a", plan.MaxIDLength+1): "an id must be at most 200 bytes long, not 201",
		strings.Repeat("é", plan.MaxIDLength/2+1): "an id must be at most 200 bytes long, not 202",
		"a\x00b":  "an id must not hold a control character (U+0000 at byte 1)",
		"a\nb":    "an id must not hold a control character (U+000A at byte 1)",
		"a\u0085": "an id must not hold a control character (U+0085 at byte 1)",
		"a\xffb":  "an id must be UTF-8 text",
	} {
		err := plan.CheckID(id)
		if want == "" {
			require.NoError(t, err, "%q", id)
			continue
		}
		require.EqualError(t, err, want, "%q", id)
	}
}

// TestNameLimits parses names at and past the limits: the error is at the
// name's line and column, and a name within them gives an ID that every
// store holds.
func TestNameLimits(t *testing.T) {
	t.Parallel()
	doc := func(name string) string {
		return "description: limits\nname: " + name + "\nsteps:\n  - get: {url: \"https://x.test/\"}\n"
	}
	for name, want := range map[string]string{
		strings.Repeat("n", plan.MaxNameLength):         "",
		"a" + strings.Repeat("é", plan.MaxNameLength-1): "",
		strings.Repeat("n", 3000):                       "limits.yaml:2:7: name is 3000 characters long, over the limit of 200",
		"a" + strings.Repeat("é", plan.MaxNameLength):   "limits.yaml:2:7: name is 201 characters long, over the limit of 200",
		`"a\tb"`: "limits.yaml:2:7: name must be one line of text without control characters; it holds U+0009 at byte 1",
		`"a\0b"`: "limits.yaml:2:7: name must be one line of text without control characters; it holds U+0000 at byte 1",
	} {
		p, err := plan.Parse([]byte(doc(name)), &plan.ParseOpts{File: "limits.yaml"})
		if want == "" {
			require.NoError(t, err)
			require.NoError(t, plan.CheckID(p.ID))
			continue
		}
		require.EqualError(t, err, want)
	}
	// An ID made from a file name is held to the same limit.
	long := strings.Repeat("f", plan.MaxIDLength+1) + ".yaml"
	_, err := plan.Parse([]byte("- get: {url: \"https://x.test/\"}\n"), &plan.ParseOpts{File: long})
	require.EqualError(t, err, long+":1:1: the file name makes an id of 201 bytes, over the limit of 200; give the plan a shorter name")
}
