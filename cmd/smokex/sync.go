//go:build !slim

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// previewTimeout bounds the request of sync --dry-run --server.
const previewTimeout = 2 * time.Minute

// syncCmd holds the flags of smokex sync.
type syncCmd struct {
	dryRun     bool
	allowEmpty bool
	db         dbFlags
	server     string
	token      string
}

func syncCommand() command {
	return command{
		name:    "sync",
		summary: "Show what a sync of plans from a git repository would add, change and remove.",
		usage:   "sync --dry-run SOURCE (--database-url URL | --server URL [--token TOKEN])",
		more: `SOURCE is a git source as serve --sync takes it: git+https://, git+ssh:// or
git+file:// (git+file://$PWD#HEAD:.smokex is the commit checked out here). The
plans at that commit are compared with the plans a sync applied before: those
in the PostgreSQL database at --database-url (migrated by smokex migrate), or
those of a running smokex serve at --server, through its API (POST
/api/sync/preview, with --token, an operator's or admin's token that sees every
plan). Nothing is changed. It prints the plans a sync would add, change and
remove, the files that would not load, and a unified diff per plan: the check
of a pull request before it is merged.

Exit codes: 0 a sync would apply without errors (whether or not it changes
anything); 1 some files would not load (their plans would keep their last good
version), or the revision holds no plan file and would be refused (unless
--allow-empty); 2 bad usage, a source that cannot be fetched, or a database or
server that cannot be reached or refuses the request.

Examples:

  smokex sync --dry-run "git+file://$PWD#HEAD:.smokex" --database-url postgres://smokex@db.internal:5432/smokex
  SMOKEX_ADMIN_TOKEN=... smokex sync --dry-run "git+file://$PWD#HEAD" --server https://smoke.example.com/
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			c := &syncCmd{}
			fs.BoolVar(&c.dryRun, "dry-run", false, "print what a sync would change and change nothing (required: serve --sync applies syncs)")
			fs.BoolVar(&c.allowEmpty, "allow-empty", false, "let a revision with no plan file remove every plan, as serve --sync-allow-empty does")
			c.db.define(fs, "compare with the plans of the PostgreSQL database at `URL`")
			fs.StringVar(&c.server, "server", "", "compare with the plans of the smokex serve at `URL`, through its API")
			fs.StringVar(&c.token, "token", "", "the serve's token `TOKEN`, sent as Authorization: Bearer (default $"+adminTokenEnv+")")
			return c.run
		},
	}
}

func (c *syncCmd) run(ctx context.Context, a *app, args []string) int {
	if len(args) != 1 {
		return a.usageError("sync", fmt.Sprintf("takes one SOURCE, got %d arguments", len(args)))
	}
	if !c.dryRun {
		return a.usageError("sync", "applies nothing itself: smokex serve --sync applies syncs; give --dry-run to see what one would change")
	}
	c.db.readEnv(a.lookupEnv)
	switch {
	case c.db.url == "" && c.server == "":
		return a.usageError("sync", "--database-url (or "+databaseURLEnv+") or --server is required: what to compare the plans with")
	case c.db.url != "" && c.server != "":
		return a.usageError("sync", "--database-url and --server cannot be used together")
	}
	if c.token == "" {
		c.token, _ = a.lookupEnv(adminTokenEnv)
	}
	src, err := gitsync.New(args[0], gitConfig(a.lookupEnv))
	if err != nil {
		return a.usageError("sync", err.Error())
	}
	fsys, rev, err := src.Fetch(ctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex sync: %v\n", err)
		return exitUsage
	}
	opts := &smokex.SyncOpts{AllowEmpty: c.allowEmpty}
	var pv *smokex.SyncPreview
	var against string
	if c.server != "" {
		against = c.server
		pv, err = c.previewServer(ctx, fsys, rev, opts)
	} else {
		pool, store, code := a.openPostgres(ctx, "sync", &c.db)
		if code != exitOK {
			return code
		}
		defer pool.Close()
		against = "the database (schema " + store.Schema() + ")"
		pv, err = previewStore(ctx, store, fsys, rev, opts)
	}
	if errors.Is(err, smokex.ErrEmptySource) {
		fmt.Fprintf(a.stderr, "smokex sync: commit %s: %v: a sync would refuse it (--allow-empty lets it remove every plan)\n", shortHash(rev.Commit), smokex.ErrEmptySource)
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex sync: %v\n", err)
		return exitUsage
	}
	writePreview(a.stdout, src.String(), against, pv)
	if len(pv.Errors) > 0 {
		return exitFailed
	}
	return exitOK
}

// gitConfig is the gitsync configuration of the environment's credentials.
func gitConfig(lookupEnv func(string) (string, bool)) gitsync.Config {
	cfg := gitsync.Config{}
	cfg.Token, _ = lookupEnv(gitTokenEnv)
	if key, ok := lookupEnv(gitSSHKeyEnv); ok {
		cfg.SSHKey = []byte(key)
	}
	return cfg
}

// previewStore compares with the plans of store, with an engine that is
// never started.
func previewStore(ctx context.Context, store storage.Store, fsys fs.FS, rev record.Source, opts *smokex.SyncOpts) (*smokex.SyncPreview, error) {
	eng, err := smokex.New(smokex.Config{Store: store, RetentionInterval: -1})
	if err != nil {
		return nil, err
	}
	defer func() { _ = eng.Stop(context.WithoutCancel(ctx)) }()
	return eng.PreviewSync(ctx, fsys, rev, opts)
}

// previewServer sends the files of the revision to the server's POST
// /api/sync/preview.
func (c *syncCmd) previewServer(ctx context.Context, fsys fs.FS, rev record.Source, opts *smokex.SyncOpts) (*smokex.SyncPreview, error) {
	files := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{"revision": rev, "files": files, "allow_empty": opts.AllowEmpty})
	if err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(c.server, "/") + "/api/sync/preview"
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(answer))
		if json.Unmarshal(answer, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if resp.StatusCode == http.StatusUnprocessableEntity && msg == smokex.ErrEmptySource.Error() {
			return nil, smokex.ErrEmptySource
		}
		return nil, fmt.Errorf("POST %s: %s: %s", u, resp.Status, msg)
	}
	var pv smokex.SyncPreview
	if err := json.Unmarshal(answer, &pv); err != nil {
		return nil, fmt.Errorf("POST %s: the answer is not a sync preview: %w", u, err)
	}
	return &pv, nil
}

// writePreview prints what a sync would do: a line per plan and per error,
// a unified diff per plan, and the counts.
func writePreview(w io.Writer, source, against string, pv *smokex.SyncPreview) {
	fmt.Fprintf(w, "Commit %s of %s, compared with %s:\n", shortHash(pv.Revision.Commit), source, against)
	width := 0
	for _, l := range [][]smokex.PlanChange{pv.Added, pv.Updated, pv.Removed} {
		for _, ch := range l {
			width = max(width, len(ch.ID))
		}
	}
	for _, g := range []struct {
		verb string
		l    []smokex.PlanChange
	}{{"added  ", pv.Added}, {"changed", pv.Updated}, {"removed", pv.Removed}} {
		for _, ch := range g.l {
			fmt.Fprintf(w, "  %s  %-*s  %s\n", g.verb, width, ch.ID, ch.File)
		}
	}
	for _, se := range pv.Errors {
		fmt.Fprintf(w, "  error    %s\n", se)
	}
	if len(pv.Added)+len(pv.Updated)+len(pv.Removed) == 0 && len(pv.Errors) == 0 {
		fmt.Fprintln(w, "  no plan would change")
	}
	for _, l := range [][]smokex.PlanChange{pv.Added, pv.Updated, pv.Removed} {
		for _, ch := range l {
			fmt.Fprintln(w)
			writePlanDiff(w, &ch)
		}
	}
	fmt.Fprintf(w, "\n%d added, %d changed, %d removed", len(pv.Added), len(pv.Updated), len(pv.Removed))
	if n := len(pv.Errors); n > 0 {
		fmt.Fprintf(w, "; %d %s: the plans of files that do not load keep their last good version", n, plural(n, "error", "errors"))
	}
	fmt.Fprintln(w)
}

// writePlanDiff writes the unified diff of a plan's YAML and of the files
// its json_schema reads.
func writePlanDiff(w io.Writer, ch *smokex.PlanChange) {
	fmt.Fprintf(w, "# %s\n", ch.ID)
	io.WriteString(w, fileDiff(ch.File, ch.Old, ch.New))
	dir := path.Dir(ch.File)
	names := slices.Sorted(maps.Keys(ch.OldFiles))
	for name := range ch.NewFiles {
		if _, ok := ch.OldFiles[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		io.WriteString(w, fileDiff(path.Join(dir, name), ch.OldFiles[name], ch.NewFiles[name]))
	}
}

// fileDiff is the unified diff of a file's text; an empty side is a file
// that is not there.
func fileDiff(file, old, new string) string {
	from, to := "a/"+file, "b/"+file
	if old == "" {
		from = "/dev/null"
	}
	if new == "" {
		to = "/dev/null"
	}
	return udiff.Unified(from, to, old, new)
}

// shortHash is a commit's first 12 digits.
func shortHash(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
