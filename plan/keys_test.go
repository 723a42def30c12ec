package plan

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan/schema"
)

// TestSchemaKnowsEveryKey checks that the JSON Schema and the parser list
// the same keys in every section of the format.
func TestSchemaKnowsEveryKey(t *testing.T) {
	t.Parallel()
	var s struct {
		Defs map[string]struct {
			Properties        map[string]json.RawMessage `json:"properties"`
			PatternProperties map[string]json.RawMessage `json:"patternProperties"`
			Items             struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"items"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(schema.JSON(), &s))
	props := func(def string) []string {
		var out []string
		for k := range s.Defs[def].Properties {
			out = append(out, k)
		}
		return out
	}
	var htmlProps []string
	for k := range s.Defs["expect"].Properties {
		if k == "html" {
			var h struct {
				Items struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"items"`
			}
			require.NoError(t, json.Unmarshal(s.Defs["expect"].Properties[k], &h))
			for p := range h.Items.Properties {
				htmlProps = append(htmlProps, p)
			}
		}
	}
	var cert struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(s.Defs["expect"].Properties["certificate"], &cert))
	certProps := slices.Collect(maps.Keys(cert.Properties))
	cases := []struct {
		section string
		parser  string
		schema  []string
	}{
		{"document", documentKeys, props("document")},
		{"request", requestKeys, props("request")},
		{"expect", expectKeys, props("expect")},
		{"capture", captureKeys, props("capture")},
		{"options", optionKeys, props("options")},
		{"html", htmlKeys, htmlProps},
		{"certificate", certificateKeys, certProps},
		{"maintenance", maintenanceKeys, props("maintenance")},
		{"slo", sloKeys, props("slo")},
	}
	for _, c := range cases {
		want := strings.Fields(c.parser)
		slices.Sort(want)
		got := slices.Sorted(slices.Values(c.schema))
		require.Equal(t, want, got, c.section)
	}

	require.Len(t, s.Defs["step"].PatternProperties, 1)
	for pattern := range s.Defs["step"].PatternProperties {
		re := regexp.MustCompile(pattern)
		for _, m := range strings.Fields(MethodKeys) {
			require.True(t, re.MatchString(m), m)
			require.True(t, re.MatchString(strings.ToUpper(m)), m)
		}
		require.False(t, re.MatchString("fetch"))
	}
}
