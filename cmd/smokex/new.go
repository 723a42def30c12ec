package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
)

// openAPITimeout bounds the fetch of an OpenAPI document given as a URL.
const openAPITimeout = 30 * time.Second

func newCommand() command {
	return command{
		name:    "new",
		summary: "Write plans for you from a curl command, an OpenAPI document or a HAR recording.",
		usage:   "new (--from-curl 'curl ...' | --from-openapi FILE|URL [--base-url URL] | --from-har FILE [--host HOST]...) [-o DIR]",
		more: `--from-curl writes one plan with one step that sends the command's request
and expects a 2xx status. An Authorization header, cookies (-b) and the
password of -u become secrets (AUTHORIZATION, COOKIE, CURL_PASSWORD) that the
plan reads from the environment: their values are never written in it.

--from-openapi writes one plan per tag of the document (or per first path
segment, for untagged operations), with a step per GET operation whose
required parameters have an example or a default: the step expects the
status, the content type and the body's schema (json_schema) the document
declares. Writes and operations missing a parameter value are listed as
comments, never sent. The API's URL is the document's first server, or
--base-url (path included: http://localhost:8080/v1). A schema refers to the
document ({$ref: "openapi.yaml#/components/schemas/Pet"}) when the document
is under DIR, and is written inline otherwise. The security schemes the
operations use become secrets.

--from-har writes one plan from a session recorded in a browser (the network
panel's "Save all as HAR"): a step per request to the hosts given with
--host (by default the host of the first request that is not a static
asset), in order, each expecting
its recorded status. Static assets (images, style sheets, scripts, fonts,
media) and CORS preflights are left out. A value of an earlier JSON response
that a later request sends (a token, an id) is captured from that response
and sent as ${name}. An Authorization header and cookies that no earlier
response gave, and body fields named like a password, become secrets
(AUTHORIZATION, COOKIE, PASSWORD, ...).

Plans are written to stdout (several separated by ---), or with -o to
DIR/NAME.yaml; an existing file is never overwritten.

Examples:

  smokex new --from-curl 'curl -X POST https://api.example.com/login -H "Content-Type: application/json" -d "{\"user\":\"demo\"}"'
  smokex new --from-curl "$(pbpaste)" -o plans/
  smokex new --from-openapi plans/openapi.yaml -o plans/
  smokex new --from-openapi https://api.example.com/openapi.json --base-url https://staging.example.com -o plans/
  smokex new --from-har session.har --host api.example.com --host auth.example.com -o plans/
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			var fromCurl, fromOpenAPI, fromHAR, baseURL, out string
			var hosts namesList
			fs.StringVar(&fromCurl, "from-curl", "", "write a one-step plan from a curl `COMMAND` (quote it whole)")
			fs.StringVar(&fromOpenAPI, "from-openapi", "", "write plans from the OpenAPI 3 document at `FILE or URL`")
			fs.StringVar(&baseURL, "base-url", "", "with --from-openapi, the API's `URL` instead of the document's server")
			fs.StringVar(&fromHAR, "from-har", "", "write a plan from the session recorded in the HAR `FILE`")
			fs.Var(&hosts, "host", "with --from-har, a `HOST` whose requests become steps (repeatable)")
			fs.StringVar(&out, "o", "", "write the plans to `DIR`/NAME.yaml instead of stdout")
			return func(ctx context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("new", fmt.Sprintf("unexpected argument %q: give the source after --from-curl, --from-openapi or --from-har, and quote a curl command whole", args[0]))
				}
				given := 0
				for _, s := range []string{fromCurl, fromOpenAPI, fromHAR} {
					if s != "" {
						given++
					}
				}
				switch {
				case given == 0:
					return a.usageError("new", "give --from-curl 'curl ...', --from-openapi FILE or --from-har FILE")
				case given > 1:
					return a.usageError("new", "give one of --from-curl, --from-openapi and --from-har")
				case baseURL != "" && fromOpenAPI == "":
					return a.usageError("new", "--base-url goes with --from-openapi")
				case len(hosts) > 0 && fromHAR == "":
					return a.usageError("new", "--host goes with --from-har")
				}
				switch {
				case fromOpenAPI != "":
					return a.newFromOpenAPI(ctx, fromOpenAPI, baseURL, out)
				case fromHAR != "":
					har, err := readBounded(fromHAR, plangen.MaxHARSize)
					var p *plangen.Plan
					if err == nil {
						p, err = plangen.FromHAR(har, &plangen.HAROpts{Hosts: hosts, Source: filepath.Base(fromHAR)})
					}
					if err != nil {
						fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
						return exitUsage
					}
					return a.writePlans([]*plangen.Plan{p}, out)
				}
				p, err := plangen.FromCurl(fromCurl)
				if err != nil {
					fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
					return exitUsage
				}
				return a.writePlans([]*plangen.Plan{p}, out)
			}
		},
	}
}

// newFromOpenAPI writes the plans of an OpenAPI document, a file or an
// http(s) URL.
func (a *app) newFromOpenAPI(ctx context.Context, source, baseURL, dir string) int {
	opts := &plangen.OpenAPIOpts{BaseURL: baseURL, Source: source}
	var doc []byte
	var err error
	if u, perr := url.Parse(source); perr == nil && (u.Scheme == "http" || u.Scheme == "https") {
		fetchCtx, cancel := context.WithTimeout(ctx, openAPITimeout)
		doc, err = plangen.FetchOpenAPI(fetchCtx, nil, source)
		cancel()
		opts.Location, opts.Source = u, u.Redacted()
	} else {
		doc, err = readBounded(source, plangen.MaxOpenAPISize)
		if err == nil && dir != "" {
			opts.SchemaFile = relativeInside(dir, source)
		}
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
		return exitUsage
	}
	plans, err := plangen.FromOpenAPI(doc, opts)
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
		return exitUsage
	}
	return a.writePlans(plans, dir)
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// relativeInside returns file's slash path from dir when file is under
// dir, or "".
func relativeInside(dir, file string) string {
	d, err1 := filepath.Abs(dir)
	f, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(d, f)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// writePlans writes generated plans, each checked as validate checks it,
// to stdout or to dir, where no existing file is overwritten.
func (a *app) writePlans(plans []*plangen.Plan, dir string) int {
	var opts plan.ParseOpts
	if dir != "" {
		opts.FS = os.DirFS(dir)
	}
	sources := make([][]byte, len(plans))
	var secrets []string
	for i, p := range plans {
		var buf bytes.Buffer
		if err := plangen.Write(&buf, p); err != nil {
			fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
			return exitFailed
		}
		opts.File = p.Name + ".yaml"
		if _, err := plan.Parse(buf.Bytes(), &opts); err != nil {
			fmt.Fprintf(a.stderr, "smokex new: the plan written does not validate; please report it:\n%v\n", err)
			return exitFailed
		}
		sources[i] = buf.Bytes()
		for _, s := range p.Secrets {
			if !slices.Contains(secrets, s) {
				secrets = append(secrets, s)
			}
		}
	}
	if dir == "" {
		for i, src := range sources {
			if i > 0 {
				_, _ = a.stdout.Write([]byte("---\n"))
			}
			_, _ = a.stdout.Write(src)
		}
	} else if code := a.writeFiles(plans, sources, dir); code != exitOK {
		return code
	}
	if len(secrets) > 0 {
		fmt.Fprintf(a.stderr, "smokex new: the plans read the secrets %v: set them in the environment and give --secret NAME to serve\n", secrets)
	}
	return exitOK
}

// writeFiles writes each plan to dir/NAME.yaml, after checking that none
// of the files exists.
func (a *app) writeFiles(plans []*plangen.Plan, sources [][]byte, dir string) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(a.stderr, "smokex new: %v\n", err)
		return exitFailed
	}
	for _, p := range plans {
		path := filepath.Join(dir, p.Name+".yaml")
		if _, err := os.Lstat(path); err == nil {
			fmt.Fprintf(a.stderr, "smokex new: %s exists; it is left as it is, and nothing is written\n", path)
			return exitUsage
		}
	}
	for i, p := range plans {
		path := filepath.Join(dir, p.Name+".yaml")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(a.stderr, "smokex new: %s exists; it is left as it is\n", path)
			return exitUsage
		}
		if err == nil {
			_, err = f.Write(sources[i])
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
	return exitOK
}
