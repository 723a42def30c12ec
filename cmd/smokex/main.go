package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Exit codes of every command.
const (
	exitOK     = 0 // every step passed, or the command succeeded
	exitFailed = 1 // a step failed or errored
	exitUsage  = 2 // invalid plan, unreadable file or bad usage
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt cancels the runs, which still report; a second
	// one ends the process.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args with the process environment.
// Output that cannot be written to stdout, such as a console or a report
// on a full disk, is an error on stderr and exit code 2, whatever the
// command found.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &outWriter{w: stdout}
	a := &app{
		stdin:      stdin,
		stdout:     out,
		stderr:     stderr,
		lookupEnv:  os.LookupEnv,
		isTerminal: isTerminal,
	}
	code := a.main(ctx, args)
	if out.err != nil {
		fmt.Fprintf(stderr, "smokex: writing to stdout: %v\n", out.err)
		return exitUsage
	}
	return code
}

// outWriter is stdout, keeping the first error of a write: the console is
// written in many small writes whose errors are not each checked.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// app is what a command sees of the world. Tests build their own, with a
// fake environment, instead of touching the process's.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// lookupEnv reads the environment: NO_COLOR, and the variables plans
	// may read.
	lookupEnv func(string) (string, bool)
	// isTerminal reports whether output written to w reaches a terminal.
	isTerminal func(w io.Writer) bool
	// client sends the plans' requests; nil builds one per run.
	client *http.Client
}

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	// usage is the synopsis line, without the program name.
	usage string
	// more is shown after the flags by "smokex help <command>".
	more string
	// flags defines the command's flags on fs and returns a function that
	// runs the command with the parsed flags and positional arguments.
	flags func(fs *flag.FlagSet) func(ctx context.Context, a *app, args []string) int
}

// commands lists the subcommands in the order help shows them. A new command
// is one more entry.
func commands() []command {
	return append([]command{
		runCommand(),
		validateCommand(),
		newCommand(),
	}, append(serverCommands(),
		tokenCommand(),
		versionCommand(),
		helpCommand(),
	)...)
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		a.usage(a.stdout)
		return exitOK
	case "-v", "-version", "--version":
		name = "version"
	}
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(a.stderr, "smokex: unknown command %q\n\n", name)
		a.usage(a.stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("smokex "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := c.flags(fs)
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(a.stdout, c, fs)
		return exitOK
	}
	if err != nil {
		// One line that says what is wrong, and where the usage is: the
		// whole usage text would bury it.
		return a.usageError(c.name, err.Error())
	}
	return runFn(ctx, a, pos)
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, as in "smokex run plans/ -o json". After "--" every
// argument is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usage writes the overview of every command.
func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, "smokex runs HTTP smoke tests written as YAML plans.\n\nUsage:\n\n  smokex <command> [flags] [arguments]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun \"smokex help <command>\" for a command's flags.\n"+
		"Exit codes of run and validate: 0 passed, 1 a step failed or errored, 2 invalid plan,\n"+
		"unreadable file or bad usage. serve, sync and migrate list theirs in their help.\n")
}

// commandUsage writes one command's synopsis and flags.
func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: smokex %s\n\n%s\n", c.usage, c.summary)
	var flags strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 && hasLongAlias(fs, f) {
			return // shown with its long form
		}
		name, help := flag.UnquoteUsage(f)
		fmt.Fprintf(&flags, "  %s", flagNames(fs, f))
		if name != "" {
			fmt.Fprintf(&flags, " %s", name)
		}
		fmt.Fprintf(&flags, "\n    \t%s", strings.ReplaceAll(help, "\n", "\n    \t"))
		if !slices.Contains([]string{"", "false", "0", "0s"}, f.DefValue) {
			fmt.Fprintf(&flags, " (default %s)", f.DefValue)
		}
		flags.WriteString("\n")
	})
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n\n%s", flags.String())
	}
	if c.more != "" {
		fmt.Fprintf(w, "\n%s", c.more)
	}
}

// hasLongAlias reports whether the one-letter flag f shares its value with a
// longer flag.
func hasLongAlias(fs *flag.FlagSet, f *flag.Flag) bool {
	found := false
	fs.VisitAll(func(g *flag.Flag) {
		found = found || (g != f && len(g.Name) > 1 && g.Value == f.Value)
	})
	return found
}

// flagNames returns "-o, --output" for a flag with a one-letter alias.
func flagNames(fs *flag.FlagSet, f *flag.Flag) string {
	var short string
	fs.VisitAll(func(g *flag.Flag) {
		if len(g.Name) == 1 && g.Value == f.Value && g != f {
			short = g.Name
		}
	})
	if short != "" {
		return "-" + short + ", --" + f.Name
	}
	if len(f.Name) == 1 {
		return "-" + f.Name
	}
	return "--" + f.Name
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	if o, ok := w.(*outWriter); ok {
		w = o.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// useColor reports whether console output to w gets colour: only on a
// terminal, and never when NO_COLOR is set to a non-empty value.
func (a *app) useColor(w io.Writer) bool {
	if v, ok := a.lookupEnv("NO_COLOR"); ok && v != "" {
		return false
	}
	return a.isTerminal(w)
}
