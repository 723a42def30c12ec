package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is a json_schema assertion, compiled when the plan loads: the
// response body must be JSON valid against it. A compiled Schema is only
// read, so it is safe to use from several goroutines.
type Schema struct {
	// Ref is the reference as written, "openapi.yaml#/components/schemas/Item";
	// empty for a schema written inline.
	Ref string
	Pos Pos
	s   *jsonschema.Schema
}

// Validate checks v, a JSON value as encoding/json decodes it (numbers may
// also be int64 or json.Number), against the schema. It returns nil when v
// is valid, or a *SchemaViolation for the first place it is not.
func (s *Schema) Validate(v any) error {
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &SchemaViolation{Path: "$", Message: err.Error()}
	}
	return violation(ve)
}

// violation describes the first place a validation error names.
func violation(ve *jsonschema.ValidationError) *SchemaViolation {
	leaf := firstLeaf(ve)
	msg := leaf.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	if leaves := countLeaves(ve); leaves > 1 {
		msg += fmt.Sprintf(" (and %d more)", leaves-1)
	}
	return &SchemaViolation{Path: jsonPath(leaf.InstanceLocation), Message: msg, tokens: leaf.InstanceLocation}
}

// SchemaViolation tells where a JSON value breaks a json_schema and how.
type SchemaViolation struct {
	// Path is a JSONPath to the value, "$" for the root: $.items[0].id.
	Path string
	// Message says what the value breaks: "got string, want integer".
	Message string
	tokens  []string
}

// Error returns "at PATH: MESSAGE".
func (v *SchemaViolation) Error() string { return "at " + v.Path + ": " + v.Message }

func firstLeaf(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	return e
}

func countLeaves(e *jsonschema.ValidationError) int {
	if len(e.Causes) == 0 {
		return 1
	}
	n := 0
	for _, c := range e.Causes {
		n += countLeaves(c)
	}
	return n
}

// jsonPath writes an instance location as a JSONPath: $.items[0].id.
func jsonPath(tokens []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
		} else if isIdentifier(t) {
			b.WriteString("." + t)
		} else {
			b.WriteString("[" + strconv.Quote(t) + "]")
		}
	}
	return b.String()
}

// schemaBase is the URL under which the plan's directory is known to the
// schema compiler; a reference to a file resolves to a path under it.
const schemaBase = "file:///"

// maxSchemaValues bounds the values of one schema file once YAML aliases
// are expanded.
const maxSchemaValues = 1 << 20

// jsonSchema compiles the json_schema assertion at n: an inline schema, or
// {$ref: "file.yaml#/pointer"} naming a file relative to the plan's.
func (p *parser) jsonSchema(n *yaml.Node) *Schema {
	n = resolve(n)
	s := &Schema{Pos: pos(n)}
	var loc string
	switch n.Kind {
	case yaml.MappingNode:
		if ref, refNode, ok := soleRef(n); ok {
			if !strings.HasPrefix(ref, "#") {
				s.Ref = ref
				file, frag, _ := strings.Cut(ref, "#")
				if file == "" || strings.Contains(file, "://") || path.IsAbs(file) {
					p.errorAt(refNode, "json_schema $ref %q must name a file relative to the plan's, as in openapi.yaml#/components/schemas/Item", ref)
					return nil
				}
				p.refs = append(p.refs, path.Join(p.dir, file))
				loc = schemaBase + path.Join(p.dir, file) + "#" + frag
				break
			}
		}
		fallthrough
	case yaml.ScalarNode:
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!bool" {
			p.errorAt(n, "json_schema must be a schema (a mapping, or true or false) or {$ref: \"file.yaml#/pointer\"}, got %s", describe(n))
			return nil
		}
		doc, err := yamlJSON(n, maxSchemaValues)
		if err != nil {
			p.errorAt(n, "json_schema: %v", err)
			return nil
		}
		p.inlineSchemas++
		// Named as a file of the plan's directory, so that a $ref inside
		// it reads files beside the plan.
		url := fmt.Sprintf("%s%s", schemaBase, path.Join(p.dir, fmt.Sprintf(".json_schema_%d.json", p.inlineSchemas)))
		c := p.schemaCompiler()
		if err := c.AddResource(url, doc); err != nil {
			p.errorAt(n, "json_schema: %v", err)
			return nil
		}
		loc = url
	default:
		p.errorAt(n, "json_schema must be a schema (a mapping) or {$ref: \"file.yaml#/pointer\"}, got %s", describe(n))
		return nil
	}
	compiled, err := p.schemaCompiler().Compile(loc)
	if err != nil {
		var sve *jsonschema.SchemaValidationError
		var ve *jsonschema.ValidationError
		if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
			v := violation(ve)
			where := n
			if s.Ref == "" {
				where = nodeAt(n, v.tokens)
			} else {
				v.Path = strings.TrimPrefix(sve.URL, schemaBase) + " " + v.Path
			}
			p.errorAt(where, "json_schema is not a valid JSON Schema: %s", v)
			return nil
		}
		p.errorAt(n, "json_schema: %s", schemaError(err))
		return nil
	}
	s.s = compiled
	return s
}

// soleRef returns the value of a mapping that holds only $ref.
func soleRef(n *yaml.Node) (string, *yaml.Node, bool) {
	if len(n.Content) != 2 {
		return "", nil, false
	}
	k, v := resolve(n.Content[0]), resolve(n.Content[1])
	if k.Value != "$ref" || v.Kind != yaml.ScalarNode {
		return "", nil, false
	}
	return v.Value, v, true
}

// nodeAt finds the value at a JSON pointer's tokens in n, or the deepest
// one that exists.
func nodeAt(n *yaml.Node, tokens []string) *yaml.Node {
	for _, t := range tokens {
		n = resolve(n)
		next := (*yaml.Node)(nil)
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if resolve(n.Content[i]).Value == t {
					next = n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return resolve(n)
}

// schemaError words an error of the schema compiler with the files named
// as the plan names them.
func schemaError(err error) string {
	msg := err.Error()
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		msg = fmt.Sprintf("cannot read %s: %v", strings.TrimPrefix(le.URL, schemaBase), le.Err)
	}
	msg = strings.ReplaceAll(msg, schemaBase, "")
	return msg
}

// schemaCompiler returns the plan's schema compiler, made on first use: the
// schemas of a plan share it, so a file referred to by several steps is
// read and compiled once.
func (p *parser) schemaCompiler() *jsonschema.Compiler {
	if p.schemas == nil {
		p.schemas = jsonschema.NewCompiler()
		p.schemas.DefaultDraft(jsonschema.Draft2020)
		p.schemas.UseLoader(schemaLoader{fsys: p.fsys, maxSize: p.maxSize, read: func(name string, src []byte) {
			if p.read == nil {
				p.read = map[string][]byte{}
			}
			p.read[name] = src
		}})
	}
	return p.schemas
}

// schemaLoader reads the files that schemas refer to from the plan's file
// system, and nothing else: no network, no file outside it.
type schemaLoader struct {
	fsys    fs.FS
	maxSize int64
	// read is told each file read, by its path in fsys.
	read func(name string, src []byte)
}

// Load implements jsonschema.URLLoader.
func (l schemaLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		return nil, fmt.Errorf("only files beside the plan can be referred to")
	}
	if l.fsys == nil {
		return nil, fmt.Errorf("the plan was not loaded from a file, so it cannot refer to one")
	}
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("the path leaves the plans' directory")
	}
	f, err := l.fsys.Open(name)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", fileType(st.Mode()))
	}
	src, err := io.ReadAll(io.LimitReader(f, l.maxSize+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(src)) > l.maxSize {
		return nil, fmt.Errorf("the file is larger than the limit of %d bytes", l.maxSize)
	}
	l.read(name, src)
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return yamlJSON(doc.Content[0], maxSchemaValues)
	}
	return nil, fmt.Errorf("the file is empty")
}

// schemaFiles are the files the plan's schemas refer to, as paths of
// fsys: those the plan names and those these name in turn.
func (p *parser) schemaFiles() []string {
	return append(slices.Collect(maps.Keys(p.read)), p.refs...)
}

// readFiles returns the files the plan's schemas read, by their path
// relative to the plan's directory; nil when they read none.
func (p *parser) readFiles() map[string][]byte {
	if len(p.read) == 0 {
		return nil
	}
	out := make(map[string][]byte, len(p.read))
	for name, src := range p.read {
		out[relPath(p.dir, name)] = src
	}
	return out
}

// relPath is target, a clean slash-separated path, relative to dir.
func relPath(dir, target string) string {
	split := func(p string) []string {
		if p == "." {
			return nil
		}
		return strings.Split(p, "/")
	}
	d, t := split(dir), split(target)
	for len(d) > 0 && len(t) > 0 && d[0] == t[0] {
		d, t = d[1:], t[1:]
	}
	up := make([]string, len(d), len(d)+len(t))
	for i := range up {
		up[i] = ".."
	}
	return path.Join(append(up, t...)...)
}

// filesFS holds files by their path relative to a plan's directory
// (Plan.Files) and returns it with that directory: a folder deep enough
// for each "../" of the paths to stay inside.
func filesFS(files map[string][]byte) (fs.FS, string) {
	depth := 0
	for name := range files {
		n := 0
		for _, seg := range strings.Split(path.Clean(name), "/") {
			if seg != ".." {
				break
			}
			n++
		}
		depth = max(depth, n)
	}
	dir := path.Join(append([]string{"."}, slices.Repeat([]string{"_"}, depth)...)...)
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[path.Join(dir, name)] = &fstest.MapFile{Data: src, Mode: 0o444}
	}
	return fsys, dir
}

// unwrapPath drops the path an fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// yamlJSON turns a YAML value into the values encoding/json decodes, with
// at most limit values once aliases are expanded.
func yamlJSON(n *yaml.Node, limit int) (any, error) {
	count := 0
	var conv func(n *yaml.Node, depth int) (any, error)
	conv = func(n *yaml.Node, depth int) (any, error) {
		n = resolve(n)
		count++
		if count > limit {
			return nil, fmt.Errorf("more than %d values", limit)
		}
		if depth > 1000 {
			return nil, fmt.Errorf("line %d: nested more than 1000 deep", n.Line)
		}
		switch n.Kind {
		case yaml.MappingNode:
			m := make(map[string]any, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := resolve(n.Content[i])
				if k.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("line %d: a key must be text", k.Line)
				}
				v, err := conv(n.Content[i+1], depth+1)
				if err != nil {
					return nil, err
				}
				m[k.Value] = v
			}
			return m, nil
		case yaml.SequenceNode:
			l := make([]any, 0, len(n.Content))
			for _, c := range n.Content {
				v, err := conv(c, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			return l, nil
		case yaml.ScalarNode:
			switch n.ShortTag() {
			case "!!null":
				return nil, nil
			case "!!bool":
				var b bool
				err := n.Decode(&b)
				return b, err
			case "!!int":
				var i int64
				if err := n.Decode(&i); err == nil {
					return i, nil
				}
				var f float64
				err := n.Decode(&f)
				return f, err
			case "!!float":
				var f float64
				err := n.Decode(&f)
				return f, err
			}
			return n.Value, nil
		}
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return conv(n, 0)
}
