package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
)

func newCommand() command {
	return command{
		name:    "new",
		summary: "Write a plan for you from a curl command.",
		usage:   "new --from-curl 'curl ...' [-o DIR]",
		more: `The plan has one step that sends the command's request and expects a 2xx
status. It is written to stdout, or with -o to DIR/NAME.yaml (an existing
file is not overwritten). An Authorization header, cookies (-b) and the
password of -u become secrets (AUTHORIZATION, COOKIE, CURL_PASSWORD) that the
plan reads from the environment: their values are never written in it.

Examples:

  smokex new --from-curl 'curl -X POST https://api.example.com/login -H "Content-Type: application/json" -d "{\"user\":\"demo\"}"'
  smokex new --from-curl "$(pbpaste)" -o plans/
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			var fromCurl, out string
			fs.StringVar(&fromCurl, "from-curl", "", "write a one-step plan from a curl `COMMAND` (quote it whole)")
			fs.StringVar(&out, "o", "", "write the plan to `DIR`/NAME.yaml instead of stdout")
			return func(_ context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("new", fmt.Sprintf("unexpected argument %q: quote the whole curl command after --from-curl", args[0]))
				}
				if fromCurl == "" {
					return a.usageError("new", "give --from-curl 'curl ...'")
				}
				return a.newFromCurl(fromCurl, out)
			}
		},
	}
}

// newFromCurl writes the plan of a curl command, checked as validate
// checks it.
func (a *app) newFromCurl(command, dir string) int {
	p, err := plangen.FromCurl(command)
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
		return exitUsage
	}
	var buf bytes.Buffer
	if err := plangen.Write(&buf, p); err != nil {
		fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
		return exitFailed
	}
	if _, err := plan.Parse(buf.Bytes(), &plan.ParseOpts{File: p.Name + ".yaml"}); err != nil {
		fmt.Fprintf(a.stderr, "smokex new: the plan written does not validate; please report it:\n%v\n", err)
		return exitFailed
	}
	if dir == "" {
		_, _ = a.stdout.Write(buf.Bytes())
	} else {
		path := filepath.Join(dir, p.Name+".yaml")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
			return exitFailed
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(a.stderr, "smokex new: %s exists; it is left as it is\n", path)
			return exitUsage
		}
		if err == nil {
			_, err = f.Write(buf.Bytes())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(a.stderr, "smokex new: wrote %s\n", path)
	}
	if len(p.Secrets) > 0 {
		fmt.Fprintf(a.stderr, "smokex new: the plan reads the secrets %v: set them in the environment and give --secret NAME to serve\n", p.Secrets)
	}
	return exitOK
}
