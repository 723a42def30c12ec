// Package postgres is the PostgreSQL backend of storage.Store, built on
// github.com/jackc/pgx/v5.
//
// The host owns the connection pool and hands it to New; the Store never
// closes it. All tables live in one schema (Config.Schema, "smokex" by
// default), so several stores, or several test runs, can share a database.
//
// Migrate creates and upgrades the tables from SQL files embedded in the
// package. It is idempotent and safe to call from several replicas at once:
// a transaction-scoped advisory lock keyed on the schema serialises them,
// and every applied version is recorded in the schema's schema_migrations
// table. Versions that a newer release applied are left alone, so an older
// release keeps running beside it. Call Migrate once at start-up, before any
// other method (the CLI exposes it as "smokex migrate").
//
// # Tables
//
//   - plans: one row per plan; labels as jsonb, the YAML source as bytea;
//     its revision (storage.Plan.Revision) from the schema's sequence
//     plan_revisions, taken again by the table's trigger on every update
//     that changes the plan, whichever release makes it.
//   - executions: one row per execution, deleted with its plan. Indexed for
//     the newest executions of one plan (covering status, start and finish,
//     so that Summaries read the index only) and of all plans, by status,
//     and by finish time for pruning.
//   - step_results: one jsonb document per step, keyed by (execution, index),
//     deleted with its execution. Request and response bodies are truncated
//     to Config.MaxStoredBodySize. jsonb cannot hold the NUL character: a
//     NUL in a jsonb document (a step result, an execution's error, labels)
//     is stored as U+FFFD.
//   - alert_state: the alert policy's memory, one row per plan.
//   - alert_deliveries: the alerts owed to targets (an outbox), inserted in
//     the transaction that saves the alert state deciding them, claimed by
//     one replica at a time (the oldest of a target, FOR UPDATE SKIP
//     LOCKED, leased until a time the database's clock checks), deleted
//     once delivered or given up. A row leased by a process that died is
//     claimed again when its lease expires. Rows outlive their plan.
//   - plan_pauses: when a paused plan's pause ends, one row per paused
//     plan, deleted with the plan.
//
// Identifiers are compared byte-wise (COLLATE "C"), so plans list in the
// same order as with the memory store whatever the database's locale. Text
// that PostgreSQL cannot store (invalid UTF-8, NUL bytes) in an ID, a name
// or a status is an error on write; looking up such an ID finds nothing.
//
// # Writing step results
//
// AppendStep commits in groups: concurrent calls queue their rows, and one
// goroutine writes what is queued with one INSERT and one commit, then the
// rows that queued meanwhile, so that the WAL flush of one commit serves
// many calls. Each call returns once its own row is committed (or has
// failed), with its own error: a batch that fails for one row (a stored
// index, an unknown execution) is written again row by row, so that the
// others are stored and each caller learns its own outcome. A call whose
// context ends returns at once; its row is not written if it was still
// queued, and is written as if the call had waited if it was already sent.
// The goroutine exits when the queue is empty, so a Store needs no Close.
//
// FinishExecution (storage.ExecutionFinisher) writes the results of a
// run's last steps with the run's finish in one batch, one transaction:
// the INSERT of the rows, then the update of the execution with its uptime
// rollup. It goes to the server alone, not through the group commit, so
// that a run's end costs one round trip and one commit. FinishWithPause
// (storage.PauseFinisher), what the engine calls, is the same batch whose
// update reads the plan's pause (plan_pauses) in its own statement and
// writes its text (storage.PauseMaintenance, made by to_char) as the
// execution's maintenance while it holds.
//
// CreateFinished (storage.FinishedCreator) writes a new execution already
// finished with its steps in one statement, one round trip and one
// commit: its data-modifying CTEs read the plan's revision (its row
// locked FOR SHARE), insert the execution with the Maintenance of the
// plan's pause, add it to its day's rollup and insert its step rows,
// whose foreign key to the execution inserted in the same statement is
// checked at the statement's end. It is what a check in time costs the
// engine in all when it ends before it needs a row (a one-step plan that
// ends within its bound, smokex.Config.WriteRunningAfter), where a check
// created as running costs its create and its finish.
//
// Group commit makes many concurrent appends cost few flushes of the WAL;
// one goroutine appending alone is bound by the round trip and the flush
// (bench/README.md has the rates measured, bench/storage.sh measures them).
// A host that prefers a higher rate still to the durability of the last
// moments of results on a server crash can set synchronous_commit to off on
// the pool's connections (pgxpool.Config.ConnConfig.RuntimeParams); the
// store changes no session setting (Migrate sets search_path for its own
// transaction only).
//
// # Durability
//
// Every write waits for its commit to reach the disk but one:
// UpdateExecution, or FinishExecution without steps, to a status that is
// not final (created, running: the start of a run) commits with
// synchronous_commit off for its own transaction. It is visible to every
// connection at once, and durable once the WAL writer flushes it (within
// wal_writer_delay, 200ms by default) or once a later commit that waits is
// flushed, as the execution's finish is. So a run does not wait for the
// disk before its first request, and a server crash can lose at most the
// start of runs in flight: such an execution reads back as created, not
// running, and is finished as interrupted all the same (both are in
// flight). FinishExecution with steps waits, whatever the status, as
// AppendStep does: a step result once acknowledged survives a crash, and
// the finish written with the last one is as durable as it. So does
// CreateFinished: an execution created finished is as durable as a
// finish. A check the engine writes once, when it ends, has no row
// before it: the engine's process dying during it leaves no execution of
// it, and the scheduler runs the tick again or records it as skipped as
// late.
//
// The creates guarded by a plan's revision (storage.RevisionCreator) read
// the revision in the insert's statement with the plan's row locked FOR
// SHARE, which the foreign key's check locks all the same (FOR KEY SHARE):
// a SavePlan or DeletePlan of the plan waits for the insert's commit, or
// the insert for theirs, so that it is created under the revision it
// checked. It costs no round trip more than the create it replaces.
//
// DeletePlan and Prune lock the executions they delete in ID order, the
// order in which a batch of appends locks them, so that the two never
// deadlock.
//
// # Paging
//
// ListExecutions pages by keyset on (created_at, id), newest first; the
// cursor is an opaque base64 string, stable under concurrent inserts.
//
// # Errors
//
// Errors wrap storage.ErrNotFound and storage.ErrConflict as the
// storage.Store contract documents. An error caused by a connection that
// broke, or could not be made, wraps ErrConnLost. Every write is one
// transaction (a batch of appends too), so an interrupted write is stored
// whole or not at all (an execution is never stored in part); the pool
// replaces the broken connection, so the call may be retried once the
// database is reachable.
package postgres
