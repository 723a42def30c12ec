// Package schema holds the JSON Schema (draft 2020-12) of the smokex plan
// format, for editors and other tools. The parser in package plan is the
// reference; a test keeps the two in agreement: every golden valid plan
// validates against the schema, and every golden invalid plan whose error is
// structural (an unknown key, a value of the wrong type) fails it. Checks
// the schema cannot express (cron specs, expressions, JSONPaths, CSS
// selectors, URLs) are the parser's alone.
//
// # Editors
//
// Save the schema next to your plans, for example from a small program:
//
//	os.WriteFile("plans/plan.schema.json", schema.JSON(), 0o644)
//
// then point the YAML language server (VS Code's YAML extension, Neovim,
// Helix, ...) at it, either with a comment on the first line of a plan:
//
//	# yaml-language-server: $schema=./plan.schema.json
//
// or for every plan at once, in VS Code's settings.json:
//
//	"yaml.schemas": {"./plans/plan.schema.json": "plans/**/*.yaml"}
//
// The editor then completes keys, shows their documentation on hover and
// marks unknown keys and values of the wrong type as you type.
package schema
