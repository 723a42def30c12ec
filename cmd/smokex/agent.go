//go:build !slim

package main

import (
	"context"
	"flag"
	"fmt"
)

// agentCommand is smokex agent: a process of one location that runs the
// ticks of that location's plans, from the store, and nothing else.
func agentCommand() command {
	return command{
		name:    "agent",
		summary: "Run the ticks of one location's plans, read from the database, and nothing else.",
		usage:   "agent --location NAME --database-url URL [flags]",
		more: `An agent is what to deploy in a region where no other smokex process runs:
it works the ticks of the plans whose locations name its --location (each
tick of a plan with locations runs once in each, by a process of that
location), reading the plans from the database that the serve processes
share, and records the results there. It serves no dashboard, sends no
alert, prunes nothing, enqueues no tick and takes no part in River's
leader election: the serve processes on the database do all of that.
--location defaults to $` + locationEnv + `, --database-url to $` + databaseURLEnv + `.

Examples:

  smokex agent --location eu-west --database-url postgres://smokex@db.internal:5432/smokex
  SMOKEX_LOCATION=us-east SMOKEX_DATABASE_URL=... smokex agent --secret API_TOKEN
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			f := &serveFlags{vars: varsFlag{values: map[string]string{}}}
			f.db.define(fs, "the PostgreSQL database at `URL` that holds the plans and takes the results")
			f.defineRunFlags(fs)
			f.sched.defineLocation(fs, "run the ticks of the plans whose locations name this `location` (default $"+locationEnv+")")
			fs.DurationVar(&f.sched.jobTimeout, "river-job-timeout", defaultRiverJobTimeout, "cancel a run after `duration`: the serve processes' value")
			return func(ctx context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("agent", fmt.Sprintf("an agent reads its plans from the database, not from %q", args[0]))
				}
				f.db.readEnv(a.lookupEnv)
				f.sched.readEnv(a.lookupEnv)
				switch {
				case f.sched.location == "":
					return a.usageError("agent", "--location (or "+locationEnv+") is required: an agent runs the ticks of one location")
				case f.db.url == "":
					return a.usageError("agent", "--database-url (or "+databaseURLEnv+") is required: an agent reads its plans from the database")
				}
				f.sched.name, f.sched.agent = schedulerRiver, true
				return a.serve(ctx, f, nil)
			}
		},
	}
}
