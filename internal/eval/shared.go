package eval

import "sync"

// Programs holds compiled expressions by source for plans parsed together,
// such as the files of one directory, which repeat the same expressions
// (${base}, a token, a header) file after file. A Program is immutable, so
// plans may share it. Programs is safe for concurrent use; the zero value
// is empty, and a nil *Programs compiles every expression.
type Programs struct {
	mu sync.Mutex
	m  map[string]*Program
}

// Compile returns the program of source, compiling it the first time.
// A source that does not compile is compiled again at each call, so that
// each caller gets the error at its own position.
func (c *Programs) Compile(source string) (*Program, error) {
	return c.compile(source, 0)
}

func (c *Programs) compile(source string, base int) (*Program, error) {
	if c == nil {
		return compile(source, base)
	}
	c.mu.Lock()
	p, ok := c.m[source]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	// Compiled outside the lock: two plans may compile the same source at
	// once, and the first stored is kept.
	p, err := compile(source, base)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.m[source]; ok {
		return kept, nil
	}
	if c.m == nil {
		c.m = map[string]*Program{}
	}
	c.m[source] = p
	return p, nil
}
