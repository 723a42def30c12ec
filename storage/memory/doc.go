// Package memory is the embedded default storage.Store: everything in the
// process's memory, nothing to set up, nothing kept across restarts.
//
// It suits development, tests, the CLI and a single instance that can
// afford to forget its history on restart. It bounds its memory by keeping
// at most Config.MaxExecutionsPerPlan executions per plan, dropping the
// oldest finished ones first. Reads and writes copy records in and out, so
// callers never share memory with the store.
//
// Memory grows with what steps keep: a step result with a few response
// headers and a short body excerpt takes a little under 1 KiB, so the
// default bound of 1,000 executions of 10 steps costs about 9 MiB per plan
// (BenchmarkMillionSteps measures it).
//
// Executions are indexed per plan in creation order, so listing one plan's
// executions, paging and summaries cost what they return (plus a binary
// search), not the size of the store.
package memory
