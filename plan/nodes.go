package plan

import (
	"bytes"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Limits on YAML aliases, so that a small file cannot expand into a huge
// plan (a "billion laughs").
const (
	// maxAliasGrowth is how many nodes aliases may add beyond the nodes of
	// the file, at least.
	maxAliasGrowth = 10000
)

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node is, for "got ..." in errors.
func describe(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	s := n.Value
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// checkAliases rejects alias cycles and aliases that expand the document
// far beyond its size.
func (p *parser) checkAliases(doc *yaml.Node) bool {
	// Every alias is written *name, and no escape makes one: a source
	// without a '*' has none, and its tree need not be walked.
	if bytes.IndexByte(p.src, '*') < 0 {
		return true
	}
	raw, aliases := 0, false
	var count func(n *yaml.Node)
	count = func(n *yaml.Node) {
		raw++
		aliases = aliases || n.Kind == yaml.AliasNode
		for _, c := range n.Content {
			count(c)
		}
	}
	count(doc)
	if !aliases {
		return true
	}
	sizes := map[*yaml.Node]int{}
	limit := raw + max(raw, maxAliasGrowth)
	var size func(n *yaml.Node) (int, bool)
	size = func(n *yaml.Node) (int, bool) {
		if s, ok := sizes[n]; ok {
			if s < 0 {
				p.errorAt(n, "YAML anchor contains an alias to itself")
				return 0, false
			}
			return s, true
		}
		sizes[n] = -1
		total := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			s, ok := size(n.Alias)
			if !ok {
				return 0, false
			}
			total += s
		}
		for _, c := range n.Content {
			s, ok := size(c)
			if !ok {
				return 0, false
			}
			total += s
			if total > limit {
				break
			}
		}
		if total > limit {
			total = limit + 1
		}
		sizes[n] = total
		return total, true
	}
	s, ok := size(doc)
	if !ok {
		return false
	}
	if s > limit {
		p.errorf(Pos{Line: 1, Column: 1}, "YAML aliases expand the plan to more than %d values; use fewer aliases", limit)
		return false
	}
	return true
}

// pair is one key and value of a mapping.
type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// pairs lists the keys of a mapping in order, with merge keys (<<)
// expanded: keys written in the mapping win over merged ones. A repeated or
// non-scalar key is an error.
func (p *parser) pairs(n *yaml.Node) []pair {
	n = resolve(n)
	out := make([]pair, 0, len(n.Content)/2)
	// Most mappings of a plan have a few keys: a repeated key is looked
	// for in out, and in a map only past smallMapping keys.
	const smallMapping = 16
	var seen map[string]*yaml.Node
	find := func(key string) (*yaml.Node, bool) {
		if seen != nil {
			k, ok := seen[key]
			return k, ok
		}
		for i := range out {
			if out[i].key == key {
				return out[i].keyNode, true
			}
		}
		return nil, false
	}
	add := func(pr pair) {
		out = append(out, pr)
		switch {
		case seen != nil:
			seen[pr.key] = pr.keyNode
		case len(out) > smallMapping:
			seen = make(map[string]*yaml.Node, 2*len(out))
			for _, o := range out {
				seen[o.key] = o.keyNode
			}
		}
	}
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		k = resolve(k)
		if k.Kind != yaml.ScalarNode {
			p.errorAt(k, "a key must be text, got %s", describe(k))
			continue
		}
		if k.Tag == "!!merge" || (k.Tag != "!!str" && k.ShortTag() == "!!merge") {
			merged = append(merged, p.mergePairs(v)...)
			continue
		}
		if first, ok := find(k.Value); ok {
			p.errorAt(k, "key %q is repeated; it was first given at line %d", k.Value, first.Line)
			continue
		}
		add(pair{key: k.Value, keyNode: k, value: v})
	}
	for _, m := range merged {
		if _, ok := find(m.key); ok {
			continue
		}
		add(m)
	}
	return out
}

func (p *parser) mergePairs(v *yaml.Node) []pair {
	v = resolve(v)
	switch v.Kind {
	case yaml.MappingNode:
		return p.pairs(v)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, item := range v.Content {
			item = resolve(item)
			if item.Kind != yaml.MappingNode {
				p.errorAt(item, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(item))
				continue
			}
			for _, kv := range p.pairs(item) {
				if !seen[kv.key] {
					seen[kv.key] = true
					out = append(out, kv)
				}
			}
		}
		return out
	}
	p.errorAt(v, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(v))
	return nil
}

// unknownKey reports a key that where does not take, suggesting the
// closest known one.
func (p *parser) unknownKey(kv pair, where, keys string) {
	if p.stopped {
		return
	}
	known := strings.Fields(keys)
	msg := fmt.Sprintf("unknown key %q in %s", kv.key, where)
	if s := Suggest(kv.key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; it takes " + quoteList(known)
	}
	p.errorAt(kv.keyNode, "%s", msg)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// section resolves n and checks that it is of kind k. A null value is an
// absent section: ok is false and no error is added. must is the phrase of
// the error, as in "labels must be a mapping".
func (p *parser) section(n *yaml.Node, k yaml.Kind, must string) (*yaml.Node, bool) {
	n = resolve(n)
	if isNull(n) {
		return n, false
	}
	if n.Kind != k {
		p.errorAt(n, "%s, got %s", must, describe(n))
		return n, false
	}
	return n, true
}

// mappings returns the items of a list of mappings, reporting the items
// that are not mappings.
func (p *parser) mappings(n *yaml.Node, must string) []*yaml.Node {
	n, ok := p.section(n, yaml.SequenceNode, must)
	if !ok {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			p.errorAt(item, "%s, got a list holding %s", must, describe(item))
			continue
		}
		out = append(out, item)
	}
	return out
}
