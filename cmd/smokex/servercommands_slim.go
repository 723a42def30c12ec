//go:build slim

package main

// serverCommands is empty in a slim build: it has run, validate, new,
// token and version, and none of serve's backends, whose package
// initialisation every command of a full build pays at start.
func serverCommands() []command { return nil }
