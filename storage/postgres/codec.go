package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/smokex/smokex/record"
)

// marshalJSONB encodes v for a jsonb column. jsonb cannot hold the NUL
// character, which a response body may contain, so every \u0000 escape
// becomes \ufffd (the replacement character) in the stored document.
func marshalJSONB(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return replaceNULEscapes(b), nil
}

// replaceNULEscapes rewrites the JSON escape \u0000 as \ufffd in place,
// leaving an escaped backslash followed by "u0000" alone.
func replaceNULEscapes(b []byte) []byte {
	for i := 0; i < len(b)-1; i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			copy(b[i+2:i+6], "fffd")
		}
		i++ // skip the escaped character
	}
	return b
}

// truncateUTF8 returns s cut to at most n bytes, at a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// storedStep returns the document stored for r: bodies cut to max bytes.
// r itself is not modified.
func storedStep(r *record.StepResult, max int) ([]byte, error) {
	c := *r
	if r.Request != nil && len(r.Request.Body) > max {
		req := *r.Request
		req.Body = truncateUTF8(req.Body, max)
		c.Request = &req
	}
	if r.Response != nil && len(r.Response.Body) > max {
		resp := *r.Response
		resp.Body = truncateUTF8(resp.Body, max)
		c.Response = &resp
	}
	b, err := marshalJSONB(&c)
	if err != nil {
		return nil, fmt.Errorf("step %d: encode: %w", r.Index, err)
	}
	return b, nil
}

// checkText reports an error when s cannot be stored in a text column.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL byte", field)
	}
	return nil
}

// storable reports whether an id can exist in the database at all; lookups
// of one that cannot are simply not found.
func storable(id string) bool { return checkText("id", id) == nil }

// storableIDs returns the IDs of a filter that can be stored, nil for a
// nil filter (all) and an empty list when none can (none).
func storableIDs(ids []string) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if storable(id) {
			out = append(out, id)
		}
	}
	return out
}

// ts converts t for a nullable timestamptz column: zero is NULL.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// fromTS converts a nullable timestamptz: NULL is the zero time; others
// are in UTC.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// count applies a count parameter's rules: negative is an error naming
// field, zero means def, and above max (when max > 0) means max.
func count(field string, n, def, max int) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("postgres: %s %d: must not be negative", field, n)
	case n == 0:
		return def, nil
	case max > 0 && n > max:
		return max, nil
	}
	return n, nil
}
