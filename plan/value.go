package plan

import (
	yaml "go.yaml.in/yaml/v3"
)

// value turns a YAML value into a Value, compiling its strings as
// templates. It returns nil after adding an error.
func (p *parser) value(n *yaml.Node, what string) *Value {
	n = resolve(n)
	at := pos(n)
	switch n.Kind {
	case yaml.MappingNode:
		v := &Value{Kind: KindMap, Pos: at, Map: []Field{}}
		ok := true
		for _, kv := range p.pairs(n) {
			item := p.value(kv.value, what)
			if item == nil {
				ok = false
				continue
			}
			v.Map = append(v.Map, Field{Key: kv.key, Value: item})
		}
		if !ok {
			return nil
		}
		return v
	case yaml.SequenceNode:
		v := &Value{Kind: KindList, Pos: at, List: make([]*Value, 0, len(n.Content))}
		ok := true
		for _, c := range n.Content {
			item := p.value(c, what)
			if item == nil {
				ok = false
				continue
			}
			v.List = append(v.List, item)
		}
		if !ok {
			return nil
		}
		return v
	case yaml.ScalarNode:
		return p.scalarValue(n, what)
	}
	if isNull(n) {
		return &Value{Kind: KindNull, Pos: at}
	}
	p.errorAt(n, "%s: unexpected YAML node", what)
	return nil
}

func (p *parser) scalarValue(n *yaml.Node, what string) *Value {
	at := pos(n)
	switch n.ShortTag() {
	case "!!null":
		return &Value{Kind: KindNull, Pos: at}
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			p.errorAt(n, "%s: %q is not a boolean", what, n.Value)
			return nil
		}
		return &Value{Kind: KindBool, Bool: b, Pos: at}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			p.errorAt(n, "%s: integer %s is out of range", what, n.Value)
			return nil
		}
		return &Value{Kind: KindInt, Int: i, Pos: at}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			p.errorAt(n, "%s: %q is not a number", what, n.Value)
			return nil
		}
		return &Value{Kind: KindFloat, Float: f, Pos: at}
	case "!!str", "!!timestamp", "!!binary":
		t := p.template(n, what)
		if t == nil {
			return nil
		}
		return &Value{Kind: KindString, Str: t, Pos: at}
	}
	p.errorAt(n, "%s: unsupported YAML tag %s", what, n.Tag)
	return nil
}
