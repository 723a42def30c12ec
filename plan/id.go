package plan

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a plan's ID and name, the same for every store: an ID is a
// primary key, and both fit a PostgreSQL btree index row (at most about
// 2,700 bytes) with room to spare, whatever the encoding of the name.
const (
	// MaxIDLength is the longest ID, in bytes.
	MaxIDLength = 200
	// MaxNameLength is the longest plan name, in runes (characters).
	MaxNameLength = 200
)

// ID turns a name into a stable, id-safe id: lower-case letters, digits,
// '.', '_' and '-'. Upper-case ASCII letters are lowered; every run of
// other characters (spaces, '-', '/', non-ASCII letters, ...) becomes one
// '-'; '-', '.' and '_' are trimmed from both ends. A name with no letter or
// digit gives "". The ID of a name of at most MaxNameLength runes is at
// most MaxIDLength bytes long.
func ID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '.', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return strings.Trim(b.String(), "-._")
}

// CheckID returns an error saying why id cannot be the ID of a plan, or of
// anything smokex stores under an ID (an execution): it is empty, longer
// than MaxIDLength bytes, not UTF-8, or holds a control character (NUL
// included). It returns nil for every ID smokex makes. The engine checks
// the ID of every plan it is given, so that every store refuses the same
// plans; a handler checks an ID from a request before asking the store.
func CheckID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("an id must not be empty")
	case len(id) > MaxIDLength:
		return fmt.Errorf("an id must be at most %d bytes long, not %d", MaxIDLength, len(id))
	case !utf8.ValidString(id):
		return fmt.Errorf("an id must be UTF-8 text")
	}
	if i := strings.IndexFunc(id, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(id[i:])
		return fmt.Errorf("an id must not hold a control character (%U at byte %d)", r, i)
	}
	return nil
}

// checkName returns why name cannot name a plan: it is longer than
// MaxNameLength runes, or holds a control character (a name is one line
// of text). Its ID is checked apart.
func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return fmt.Errorf("name is %d characters long, over the limit of %d", n, MaxNameLength)
	}
	if i := strings.IndexFunc(name, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("name must be one line of text without control characters; it holds %U at byte %d", r, i)
	}
	return nil
}
