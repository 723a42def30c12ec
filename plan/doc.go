// Package plan parses and validates smokex plans: YAML files of HTTP steps
// run in order.
//
// A plan comes in one of two forms. The seed form, the plans of the
// original Smokex service, is a bare list of steps:
//
//	# health.yaml
//	- get:
//	    host: "https://api.example.com/health"
//	    expect:
//	      status_code: 200
//
// The document form is a mapping with name, description, schedule, labels,
// vars, secrets, options and steps.
//
// [Parse], [ParseFile], [LoadDir] and [LoadFS] return a [*Plan] whose
// templates (${...}) and expressions are compiled, or an [ErrorList] with
// every problem of the source, each with its line and column: unknown keys
// (with the closest known key when there is one), values of the wrong type,
// invalid cron specs, JSONPaths, CSS selectors and expressions. [Lint]
// reports names that nothing defines.
//
// Beyond the format's contract, the parser accepts:
//
//   - YAML anchors, aliases and merge keys (<<), bounded so that a small
//     file cannot expand into a huge plan; in the document form, keys
//     starting with "x-" are ignored, a place for anchors the steps share;
//   - expect.body, the original's name for expected content: a mapping or a
//     list means json, a string means string;
//   - an assert or capture expression written as one whole ${...};
//   - a json_path starting with '[' (taken as $[...]) or without '$' (the
//     original's bare a.b, taken as $.a.b).
//
// The JSON Schema of the format, for editors, is in package
// github.com/smokex/smokex/plan/schema.
package plan
