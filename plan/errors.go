package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is a problem in a plan at a position of its source.
type Error struct {
	// File is the path or name the plan was loaded from; empty for a plan
	// parsed from bytes without a name.
	File string
	// Line and Column are 1-based; both are zero for an error about the
	// whole file (one that cannot be read, or is too large). An error at
	// a line always has a column: column 1 when the YAML decoder reports
	// only the line, as it does for syntax errors.
	Line, Column int
	Message      string
}

// Error returns "file:line:column: message". The file is left out when it
// is empty, and the line and column when the error is about the whole
// file.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ErrorList is every error found in one or more plans, sorted by file and
// position.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort sorts the list by file, line and column, keeping the order of errors
// at the same position.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, compareErrors)
}

func compareErrors(a, b *Error) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
	)
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// add adds an error at pos.
func (l *ErrorList) add(file string, pos Pos, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: pos.Line, Column: pos.Column, Message: fmt.Sprintf(format, args...)})
}
