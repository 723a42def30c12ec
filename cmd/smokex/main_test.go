package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// cliResult is what one in-process run of the CLI wrote and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

// cliEnv is the world an in-process run of the CLI sees.
type cliEnv struct {
	// env is the whole environment.
	env   map[string]string
	stdin string
	// terminal makes stdout a terminal.
	terminal bool
}

// runCLI runs the CLI in process with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	return runCLIWith(t, cliEnv{env: env, stdin: stdin}, args...)
}

func runCLIWith(t *testing.T, ce cliEnv, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{
		stdin:  strings.NewReader(ce.stdin),
		stdout: &stdout,
		stderr: &stderr,
		lookupEnv: func(name string) (string, bool) {
			v, ok := ce.env[name]
			return v, ok
		},
		isTerminal: func(io.Writer) bool { return ce.terminal },
	}
	code := a.main(t.Context(), args)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// cliCase is one run of the CLI and what it must return and write.
type cliCase struct {
	name   string
	args   []string
	code   int
	stdout string // stdout contains it
	stderr string // stderr contains it
	// notStdout, when set, is not in stdout.
	notStdout string
}

// requireResult checks the exit code and that each stream contains a text.
func requireResult(t *testing.T, res cliResult, code int, stdout, stderr string) {
	t.Helper()
	require.Equal(t, code, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	require.Contains(t, res.stdout, stdout)
	require.Contains(t, res.stderr, stderr)
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []cliCase{
		{name: "no arguments", args: nil, code: exitUsage, stderr: "Commands:"},
		{name: "-h", args: []string{"-h"}, code: exitOK, stdout: "Commands:"},
		{name: "--help", args: []string{"--help"}, code: exitOK, stdout: "validate"},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: "run        Run plans"},
		{name: "help run", args: []string{"help", "run"}, code: exitOK, stdout: "-o, --output format"},
		{name: "help run hides the short alias", args: []string{"help", "run"}, code: exitOK, stdout: "--jobs N", notStdout: "\n  -o format"},
		{name: "run -h", args: []string{"run", "-h"}, code: exitOK, stdout: "Usage: smokex run [flags] PATH..."},
		{name: "help serve", args: []string{"help", "serve"}, code: exitOK, stdout: "--shutdown-timeout duration"},
		{name: "serve -h", args: []string{"serve", "-h"}, code: exitOK, stdout: "Usage: smokex serve [flags] [PATH...]"},
		{name: "serve help hides the short alias", args: []string{"help", "serve"}, code: exitOK, stdout: "-t, --timeout duration", notStdout: "\n  -t duration"},
		{name: "help migrate", args: []string{"help", "migrate"}, code: exitOK, stdout: "Usage: smokex migrate [--database-url URL] [--schema NAME]"},
		{name: "help lists serve", args: []string{"help"}, code: exitOK, stdout: "serve      Run the plans on their schedules"},
		{name: "validate --help", args: []string{"validate", "--help"}, code: exitOK, stdout: "--var NAME"},
		{name: "help unknown", args: []string{"help", "nope"}, code: exitUsage, stderr: `unknown command "nope"`},
		{name: "help too many", args: []string{"help", "run", "validate"}, code: exitUsage, stderr: "at most one"},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `smokex: unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"run", "--nope", "x.yaml"}, code: exitUsage, stderr: "flag provided but not defined: -nope"},
		{name: "bad duration", args: []string{"run", "-t", "soon", "x.yaml"}, code: exitUsage, stderr: `invalid value "soon" for flag -t`},
		{name: "bad var", args: []string{"run", "--var", "novalue", "x.yaml"}, code: exitUsage, stderr: `"novalue" is not NAME=VALUE`},
		{name: "var without name", args: []string{"run", "--var", "=1", "x.yaml"}, code: exitUsage, stderr: "no name before ="},
		{name: "no paths", args: []string{"run"}, code: exitUsage, stderr: "no plan given"},
		{name: "bad output", args: []string{"run", "-o", "yaml", "x.yaml"}, code: exitUsage, stderr: `unknown output format "yaml"`},
		{name: "bad jobs", args: []string{"run", "--jobs", "0", "x.yaml"}, code: exitUsage, stderr: "--jobs must be at least 1"},
		{name: "negative timeout", args: []string{"run", "--timeout", "-1s", "x.yaml"}, code: exitUsage, stderr: "must not be negative"},
		{name: "validate no paths", args: []string{"validate"}, code: exitUsage, stderr: "no plan given"},
		{name: "version arguments", args: []string{"version", "x"}, code: exitUsage, stderr: "takes no arguments"},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: "smokex devel go1."},
		{name: "--version", args: []string{"--version"}, code: exitOK, stdout: "smokex devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", tt.args...)
			requireResult(t, res, tt.code, tt.stdout, tt.stderr)
			if tt.notStdout != "" {
				require.NotContains(t, res.stdout, tt.notStdout)
			}
			if tt.code == exitOK {
				require.Empty(t, res.stderr)
			}
		})
	}
}

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		pos     []string
		output  string
		verbose bool
	}{
		{name: "flags first", args: []string{"-o", "json", "a", "b"}, pos: []string{"a", "b"}, output: "json"},
		{name: "flags last", args: []string{"a", "b", "--output", "junit", "-v"}, pos: []string{"a", "b"}, output: "junit", verbose: true},
		{name: "flags between", args: []string{"a", "-o=json", "b"}, pos: []string{"a", "b"}, output: "json"},
		{name: "double dash", args: []string{"-v", "--", "-o", "a"}, pos: []string{"-o", "a"}, verbose: true},
		{name: "double dash after positional", args: []string{"a", "--", "-v"}, pos: []string{"a", "-v"}},
		{name: "none", args: nil, pos: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var output string
			var verbose bool
			fs.StringVar(&output, "output", "", "")
			fs.StringVar(&output, "o", "", "")
			fs.BoolVar(&verbose, "v", false, "")
			pos, err := parseInterspersed(fs, tt.args)
			require.NoError(t, err)
			require.Equal(t, tt.pos, pos)
			require.Equal(t, tt.output, output)
			require.Equal(t, tt.verbose, verbose)
		})
	}
}

func TestVarsFlag(t *testing.T) {
	t.Parallel()
	v := &varsFlag{values: map[string]string{}}
	require.NoError(t, v.Set("A=1"))
	require.NoError(t, v.Set("B=x=y"))
	require.NoError(t, v.Set("C="))
	require.NoError(t, v.Set("A=2"))
	require.Equal(t, map[string]string{"A": "2", "B": "x=y", "C": ""}, v.values)
	require.Equal(t, []string{"A", "B", "C"}, v.names)
	require.Equal(t, "A,B,C", v.String())
	require.Error(t, v.Set("D"))

	known := &varsFlag{values: map[string]string{}, optionalValue: true}
	require.NoError(t, known.Set("D"))
	require.Equal(t, []string{"D"}, known.names)
}

func TestUseColor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		terminal bool
		want     bool
	}{
		{name: "terminal", terminal: true, want: true},
		{name: "not a terminal", terminal: false, want: false},
		{name: "NO_COLOR on a terminal", env: map[string]string{"NO_COLOR": "1"}, terminal: true, want: false},
		{name: "empty NO_COLOR", env: map[string]string{"NO_COLOR": ""}, terminal: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &app{
				lookupEnv:  func(n string) (string, bool) { v, ok := tt.env[n]; return v, ok },
				isTerminal: func(io.Writer) bool { return tt.terminal },
			}
			require.Equal(t, tt.want, a.useColor(io.Discard))
		})
	}
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	require.False(t, isTerminal(&bytes.Buffer{}))
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	require.False(t, isTerminal(f), "a regular file is not a terminal")
}
