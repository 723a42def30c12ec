package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print the version of smokex.",
		usage:   "version",
		flags: func(*flag.FlagSet) func(context.Context, *app, []string) int {
			return func(_ context.Context, a *app, args []string) int {
				if len(args) > 0 {
					fmt.Fprintln(a.stderr, "smokex version: takes no arguments")
					return exitUsage
				}
				fmt.Fprintf(a.stdout, "smokex %s %s\n", version(), runtime.Version())
				return exitOK
			}
		},
	}
}

// version is the module version the binary was built from, "devel" when it
// was built from a checkout.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}

func helpCommand() command {
	return command{
		name:    "help",
		summary: "Show the usage of smokex or of one command.",
		usage:   "help [command]",
		flags: func(*flag.FlagSet) func(context.Context, *app, []string) int {
			return func(_ context.Context, a *app, args []string) int {
				switch len(args) {
				case 0:
					a.usage(a.stdout)
					return exitOK
				case 1:
					c, ok := findCommand(args[0])
					if !ok {
						fmt.Fprintf(a.stderr, "smokex help: unknown command %q\n", args[0])
						return exitUsage
					}
					fs := flag.NewFlagSet("smokex "+c.name, flag.ContinueOnError)
					c.flags(fs)
					commandUsage(a.stdout, c, fs)
					return exitOK
				}
				fmt.Fprintln(a.stderr, "smokex help: takes at most one command")
				return exitUsage
			}
		},
	}
}
