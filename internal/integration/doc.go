// Package integration holds tests that put the whole library together on
// real components: several processes, a real PostgreSQL, real HTTP servers.
// It has no code of its own.
package integration
