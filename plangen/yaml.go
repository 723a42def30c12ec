package plangen

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// plainKey is a mapping key YAML reads as the same text without quotes.
var plainKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`) })

// yamlKey writes a mapping key, quoted when it must be.
func yamlKey(k string) string {
	switch strings.ToLower(k) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return strconv.Quote(k)
	}
	if plainKey().MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

// schemaKeyOrder is the order in which a schema's keywords are written,
// as a person writes them; the others follow in alphabetical order.
var schemaKeyOrder = []string{"$ref", "title", "description", "type", "format", "enum", "const", "required", "properties", "additionalProperties", "items"}

// yamlBlock writes the JSON value raw as a YAML block, each line after
// indent: how a schema is written inline in a plan.
func yamlBlock(raw json.RawMessage, indent string) (string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(v)); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimSuffix(out.String(), "\n"), "\n") {
		b.WriteString(indent + line + "\n")
	}
	return b.String(), nil
}

// yamlNode builds the YAML node of a decoded JSON value: mappings and
// lists in block style, but for the short lists of scalars (required,
// enum, type), which read better in flow style.
func yamlNode(v any) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			ia, ib := slices.Index(schemaKeyOrder, a), slices.Index(schemaKeyOrder, b)
			switch {
			case ia >= 0 && ib >= 0:
				return ia - ib
			case ia >= 0:
				return -1
			case ib >= 0:
				return 1
			}
			return strings.Compare(a, b)
		})
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(v[k]))
		}
		if len(keys) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		flow := true
		for _, e := range v {
			c := yamlNode(e)
			flow = flow && c.Kind == yaml.ScalarNode
			n.Content = append(n.Content, c)
		}
		if flow {
			n.Style = yaml.FlowStyle
		}
		return n
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		return n
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	default:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
}
