// Package admintest serves the admin handler over an engine with a target
// service and plans, on real servers, for the tests of admin and of the
// integration module (PostgreSQL, a real browser).
package admintest
