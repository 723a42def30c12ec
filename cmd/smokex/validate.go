package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/smokex/smokex/plan"
)

func validateCommand() command {
	return command{
		name:    "validate",
		summary: "Check plans for errors, and warn about names that nothing defines.",
		usage:   "validate [flags] PATH...",
		more: `Errors are written as file:line:column: message and make validate exit 2;
warnings, as file:line:column: warning: message, leave the exit code 0.
The depends_on of each plan is checked against all the plans given: give
the folder (or every plan) that serve loads together.
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			vars := &varsFlag{values: map[string]string{}, optionalValue: true}
			fs.Var(vars, "var", "a variable the run will set: `NAME` or NAME=VALUE (repeatable)")
			return func(ctx context.Context, a *app, paths []string) int {
				return a.validate(ctx, paths, vars.names)
			}
		},
	}
}

// validate reports every error of every plan and the warnings of the plans
// that parse. Only errors make it fail.
func (a *app) validate(ctx context.Context, paths []string, known []string) int {
	if len(paths) == 0 {
		return a.usageError("validate", "no plan given: smokex validate [flags] PATH...")
	}
	if err := checkStdin(paths); err != nil {
		return a.usageError("validate", err.Error())
	}
	plans, invalid, code := a.loadPlans(ctx, paths, nil)
	if code == exitFailed {
		return code
	}
	if len(invalid) > 0 {
		code = exitUsage
	}
	// depends_on is checked among all the plans given, as serve loads them.
	all := make([]*plan.Plan, len(plans))
	for i, lp := range plans {
		all[i] = lp.plan
	}
	if deps := plan.CheckDependencies(all); len(deps) > 0 {
		a.printLoadError(deps)
		code = exitUsage
	}
	warnings := 0
	for _, lp := range plans {
		for _, w := range plan.Lint(lp.plan, known) {
			warnings++
			fmt.Fprintf(a.stderr, "%s: warning: %s\n", position(w.File, lp.file, w.Line, w.Column), w.Message)
		}
	}
	if code != exitOK {
		return code
	}
	fmt.Fprintf(a.stdout, "%d %s valid", len(plans), plural(len(plans), "plan", "plans"))
	if warnings > 0 {
		fmt.Fprintf(a.stdout, ", %d %s", warnings, plural(warnings, "warning", "warnings"))
	}
	fmt.Fprintln(a.stdout)
	return exitOK
}

// position writes file:line:column, with the plan's file when the error
// names none and without the parts that are unknown.
func position(file, fallback string, line, column int) string {
	if file == "" {
		file = fallback
	}
	switch {
	case line == 0:
		return file
	case column == 0:
		return fmt.Sprintf("%s:%d", file, line)
	}
	return fmt.Sprintf("%s:%d:%d", file, line, column)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
