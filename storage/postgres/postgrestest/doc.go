// Package postgrestest gives tests a real PostgreSQL database: the URL from
// SMOKEX_TEST_DATABASE_URL, a pool closed at the end of the test, and a
// schema of the test's own, dropped at the end.
//
// When the variable is unset the tests skip with a message that says how to
// run them, except when CI is set: then they fail, so that CI cannot pass
// without the database.
package postgrestest
