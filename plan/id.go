package plan

import "strings"

// ID turns a name into a stable, id-safe id: lower-case letters, digits,
// '.', '_' and '-'. Upper-case ASCII letters are lowered; every run of
// other characters (spaces, '-', '/', non-ASCII letters, ...) becomes one
// '-'; '-', '.' and '_' are trimmed from both ends. A name with no letter or
// digit gives "".
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
