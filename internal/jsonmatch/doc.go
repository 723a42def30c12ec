// Package jsonmatch tells whether a JSON document contains an expected
// structure: objects as a recursive subset, arrays element by element,
// numbers compared by value. It reports the path of the first mismatch.
package jsonmatch
