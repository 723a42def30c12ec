package record

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// SyncState is what the syncs of plans from a source (a git repository)
// did: the last revision applied, what it changed, the files that did not
// load at it, and whether the last attempt failed. The engine keeps it in
// the store, so that every replica shows the same and it survives a
// restart; its JSON is the answer of GET /api/sync.
type SyncState struct {
	// Source names the source, without credentials.
	Source string `json:"source"`
	// Commit is the commit of the last sync that applied; Path the
	// directory in the repository that the plans are read from.
	Commit string `json:"commit,omitempty"`
	Path   string `json:"path,omitempty"`
	// At is when the last sync that changed something (a commit, a plan or
	// a file's errors) applied.
	At time.Time `json:"at,omitzero"`
	// Added, Updated and Removed are the IDs of the plans that sync added,
	// changed and removed.
	Added   []string `json:"added"`
	Updated []string `json:"updated"`
	Removed []string `json:"removed"`
	// Errors are the files that do not load at Commit, one per error; the
	// plans of those files keep their last good version.
	Errors []SyncError `json:"errors"`
	// Error is why the last attempt changed nothing (the fetch failed, an
	// empty path was refused); empty when it applied.
	Error string `json:"error,omitempty"`
	// Attempted is when the last attempt ended, applied or not.
	Attempted time.Time `json:"attempted,omitzero"`
	// Plans are the plans the source holds, by ID, each with its file's
	// path in the repository: those a later sync removes when their file
	// is gone, whichever process applies it.
	Plans map[string]string `json:"plans"`
}

// SyncError is an error of a plan file at a synced revision.
type SyncError struct {
	// File is the file's path in the repository.
	File string `json:"file"`
	// Line and Column are where the error is, 1-based; zero for an error
	// about the whole file.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// String returns "file:line:column: message", without the line and
// column when they are zero.
func (e SyncError) String() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			s += ":" + strconv.Itoa(e.Column)
		}
	}
	return s + ": " + e.Message
}

// Clone returns a deep copy of s; nil for nil.
func (s *SyncState) Clone() *SyncState {
	if s == nil {
		return nil
	}
	c := *s
	c.Added = slices.Clone(s.Added)
	c.Updated = slices.Clone(s.Updated)
	c.Removed = slices.Clone(s.Removed)
	c.Errors = slices.Clone(s.Errors)
	c.Plans = maps.Clone(s.Plans)
	return &c
}
