// Command smokex runs HTTP smoke tests written as YAML plans, from a
// terminal or a CI pipeline, or on their schedules as a long-running
// monitor.
//
// Usage:
//
//	smokex run [flags] PATH...       run plans and report the results
//	smokex validate [flags] PATH...  check plans without running them
//	smokex new --from-curl 'curl ...' [-o DIR]  write a one-step plan from a curl command
//	smokex new --from-openapi FILE|URL [--base-url URL] [-o DIR]  write plans from an OpenAPI document
//	smokex new --from-har FILE [--host HOST]... [-o DIR]  write a plan from a recorded browser session
//	smokex serve [flags] [PATH...]   run plans on their schedules until stopped; serve the dashboard
//	smokex sync --dry-run SOURCE (--database-url URL | --server URL)  show what a git sync would change
//	smokex migrate [--database-url URL]  create or upgrade the PostgreSQL tables
//	smokex token [--name N] [--role R] [--label K=V]  make a token for serve --tokens
//	smokex version                   print the version
//	smokex help [command]            show the usage of a command
//
// Built with the slim tag (go install -tags slim), the binary has run,
// validate, new, token and version only: it links none of serve's backends
// (River, PostgreSQL, the metrics exporters, git), which every command of
// the default build initialises at start, and takes half the memory.
//
// A PATH is a plan file, a directory (every *.yaml and *.yml file below it,
// directories starting with '.' left out), or "-", given once, for a plan on
// standard input. Flags may come before or after the paths; after "--" every argument
// is a path.
//
// # smokex run
//
// Several plans run at once, up to --jobs (default: the number of CPUs); the
// steps of one plan always run in order. Every plan is parsed before any
// runs. A plan file that does not parse (or a second plan with an ID
// already used, from one path or two) does not stop the others: they run,
// the file's errors go to stderr (file:line:column: message), every report
// carries it after the plans that ran (JUnit: an errored suite whose error
// lists them; JSON: an entry with "status": "invalid" and its "errors",
// each with line, column and message; HTML and the console total: counted
// invalid), and run exits 2. Plans print in the order given, whatever
// --jobs: the first unfinished plan streams, the others are buffered until
// their turn.
//
// -o html writes one self-contained page (styles inline, no script, nothing
// fetched): every plan with its status and stop reason, its steps with their
// status codes, times and attempts, and each failure with expected and
// received values and its place in the plan.
//
//	-o, --output FORMAT  console (default), json, junit or html
//	-q, --quiet          console: show only failed steps and the summaries
//	-v, --verbose        console: print each request and response (headers,
//	                     bodies cut to 2 KiB, captures, timings; secrets redacted)
//	--poll every=D,for=D repeat each step of a plan that sets no poll until its
//	                     expectations pass (every defaults to 1s)
//	--label KEY=VALUE    only plans with the label; repeatable (all must match)
//	--plan ID            only the plan with this ID; repeatable (any matches)
//	--exclude GLOB       skip files and directories whose name or path matches;
//	                     repeatable (docker-compose.yml, 'drafts/*')
//	-t, --timeout D      per-step timeout of steps whose plan sets none (default 5s)
//	--var NAME=VALUE     a variable for every plan; repeatable; values are strings
//	--no-halt            run every step even after one fails (overrides halt_on_error)
//	--report FILE        write the --output format to FILE; the console goes to stdout
//	--jobs N             how many plans run at once
//
// Plans see the process environment: a name that no capture, --var, plan
// var or secret defines is looked up there. The secrets a plan declares are
// read from the environment too, and a declared secret that is not set stops
// the run before it starts. Secret values are redacted from every report.
//
// # Exit codes of run and validate
//
//	0  every step of every plan passed
//	1  a step failed or errored (or the run was interrupted)
//	2  an invalid plan, a file that cannot be read, output that cannot be written (a full
//	   disk), or bad usage; the message is on stderr
//
// # Console output
//
// A line per step as it finishes: a mark (✓ passed, ✗ failed or errored,
// - skipped), the step's name when the plan gives one, the method, the URL,
// the status code and the duration (every attempt included, and the count
// when there were several, each listed on an "attempts:" line). A failed
// assertion follows as "type name: expected X, received Y", then its place
// in the plan, as Hurl shows it:
//
//	status_code: expected 200, received 401
//	  --> plans/me.yaml:7:22
//	    |
//	  7 |         status_code: 200
//	    |                      ^
//
// An error follows as "error (kind): message". Each plan ends with a summary
// line (its status, and its stop reason when it stopped early), and the run
// with a total. Plans are written in the order given, each plan's lines
// together.
// Colour is used only when stdout is a terminal and NO_COLOR is not set.
//
// # JSON output
//
// -o json writes one object for one plan, and an array of such objects for
// several, in the order of the paths: indented on a terminal or with
// --pretty, on one line for a pipe or a --report file, which is cheaper to
// write and to read. Indented, it looks like this:
//
//	{
//	  "plan": "checkout",              // the plan's ID
//	  "file": "plans/checkout.yaml",   // where it was loaded from
//	  "status": "failed",              // passed, failed or canceled (docs/statuses.md)
//	  "stop_reason": "halted_on_error", // why it stopped early: halted_on_error, canceled, interrupted; absent when every step ran
//	  "started_at": "2026-11-26T21:00:00Z",
//	  "finished_at": "2026-11-26T21:00:01.5Z",
//	  "duration_ms": 1500,             // milliseconds, with microseconds as decimals
//	  "steps": [
//	    {
//	      "index": 0,                  // 0-based position in the plan
//	      "name": "login",             // the step's name, or "METHOD URL" as written
//	      "method": "POST",
//	      "url": "https://api.example.com/login",   // as sent, secrets redacted
//	      "status_code": 401,          // null when no response was received
//	      "duration_ms": 30.25,
//	      "attempts": 1,               // requests sent, retries and polls included; 0 when skipped
//	      "ok": false,
//	      "skipped": false,
//	      "failures": [                // failed assertions; [] when none
//	        {"type": "status_code", "name": "", "expected": "200", "received": "401",
//	         "line": 7, "column": 22}  // where the plan writes the assertion; 0 when unknown
//	      ],
//	      "error": null                // or {"kind": "connect", "message": "..."}
//	    }
//	  ],
//	  "error": null                    // {kind, message} when the run as a whole ended on an error
//	}
//
// This is the JSON of a record.Execution, the one wire format of smokex
// (package record), with "file" added: fields beyond the ones above follow
// them (the execution's id, plan_name, trigger and created_at; a step's
// started_at, request, response, timings in milliseconds as dns_ms,
// connect_ms, tls_ms, first_byte_ms and total_ms of the last attempt,
// captures, and attempt_log: one {started_at, duration_ms, status_code, ok,
// error} per request when there were several). A step's duration_ms is its
// whole time, every retry and poll attempt and the waits between them.
//
// A failure's type is one of status_code, header, json, string, html,
// body_size and assert; its name says which header, path, selector or expression. An
// error's kind is one of invalid_url, dns, connect, tls, timeout, too_large,
// redirects, canceled, reset, request, interpolation and capture.
//
// # JUnit output
//
// -o junit writes a <testsuites> document (tests, failures, errors, skipped
// and time attributes) with a <testsuite> per plan, named by the plan's ID,
// and a <testcase> per step, named "N. step name" with the plan's ID as its
// classname. A step whose assertions failed holds one <failure> (the first
// failed assertion as its message, all of them as its text), a step that
// errored an <error> whose type is the error's kind, a skipped step
// <skipped/>. A run that ended on an error of its own adds a testcase named
// "execution" holding that error. GitLab and Jenkins read this format.
//
// # smokex validate
//
// validate parses every plan and writes every error of every file to stderr,
// one a line, as "file:line:column: message", then exits 2. It also warns,
// as "file:line:column: warning: message", about names that a plan reads
// and that no var, secret, earlier capture or --var defines; warnings alone
// exit 0. --var NAME (or NAME=VALUE) names a variable the run will set.
//
// # smokex serve
//
// serve is the engine (smokex.Engine) as a process: it loads the plans,
// runs each on its schedule, stores every execution, and logs every
// failed step and execution to stderr as structured text (log/slog), and
// with --log-level debug every passed one too, until SIGINT or SIGTERM. A
// PATH is a plan file (*.yaml or *.yml) or a directory; every
// --watch-interval serve looks at the names, sizes and modification times
// of the files under the paths, and reads them again when one changed
// (--watch-interval 0: once, at start), so added,
// changed and removed files are picked up, each file on its own: a file
// that stops parsing is logged once and its plan kept as it was, while the
// other files sync. A file that does not parse at start is treated the same
// way: the other plans run. Until it is fixed, the dashboard (overview and
// plan page), /api/plans ("load_errors") and /status show the file, its
// errors at their lines and columns, and since when.
// Plan files are named in messages by their place under the base name of
// the path given: plans/shop/checkout.yaml for "serve ./plans".
//
// The flags map one to one onto smokex.Config:
//
//	--database-url URL      Store: PostgreSQL (storage/postgres) at URL; empty: in memory
//	                        (default $SMOKEX_DATABASE_URL)
//	--schema NAME           the PostgreSQL schema (default smokex)
//	--no-migrate            do not create or upgrade the tables on start
//	--concurrency N         Concurrency: executions at once, across plans (default 16)
//	--var NAME=VALUE        Vars: a variable for every plan; repeatable; values are strings
//	--secret NAME           Secrets: plans that declare NAME read it from the environment; repeatable
//	--env                   LookupEnv: plans may read any environment variable
//	-t, --timeout D         DefaultTimeout: per-step timeout of steps whose plan sets none (default 5s)
//	--retention D           RetentionMaxAge: executions finished longer ago are deleted (default 720h)
//	--keep-last N           RetentionKeepLast: keep only the newest N finished executions per plan
//	--max-lateness D        MaxLateness: a scheduled run that cannot start within D of its due time is
//	                        skipped and recorded as such (default 0: within its plan's interval)
//	--watch-interval D      how often the paths are looked at for changes (default 10s; 0: read once)
//	--log-level LEVEL       debug (every finished step and execution), info (the default), warn or error
//	--shutdown-timeout D    how long a signal waits for executions in flight (default 30s)
//	--label KEY=VALUE       SyncFilter: only plans with the label; repeatable (all must match)
//	--plan ID               SyncFilter: only the plan with this ID; repeatable (any matches)
//	--exclude GLOB          ParseOpts.Exclude: skip files and directories whose name or path matches
//	--sync SOURCE           Engine.Sync with a gitsync.Source: the plans are the YAML files of a git repository
//	--sync-interval D       how often the repository is fetched again (default 1m)
//	--sync-allow-empty      SyncOpts.AllowEmpty: a revision with no plan file may remove them all
//
// With --sync 'git+https://git.example.com/acme/api.git#main:.smokex' (also
// git+ssh:// and git+file://; the ref defaults to the default branch, the
// path to .smokex) the plans follow the repository instead of PATHs: each
// sync applies the files added, changed and removed at the newest commit in
// one step; a file that does not parse keeps its plan's last good version;
// a fetch that fails changes nothing. SMOKEX_GIT_TOKEN (HTTPS) and
// SMOKEX_GIT_SSH_KEY (a PEM key) authenticate, and are never logged. GET
// /api/sync answers the last commit, when, what changed and the errors,
// kept in the store, so that every replica answers the same; the
// dashboard shows them in a panel with "Sync now". POST /api/sync syncs at
// once and answers the same. With SMOKEX_SYNC_WEBHOOK_SECRET set, a POST
// /api/sync that carries GitHub's X-Hub-Signature-256 or GitLab's
// X-Gitlab-Token is a forge's push webhook, and the proof must be made with
// the secret (401 otherwise); any other goes through the token check, as
// the rest of the API. Executions record the commit and the file their plan
// came from (source in the API). On a database, replicas apply one sync at
// a time under an advisory lock.
//
// The dashboard, the JSON API, /status, /events and the badges (package
// admin) are served at the root of --addr (default 127.0.0.1:8080), whose
// URL serve prints on start. They are read-only unless switched on:
//
//	--allow-run             the API and the dashboard may run plans now, and pause their alerts
//	--allow-edit            they may create, change and delete plans that do not come from a PATH
//	--auth-token TOKEN      every request needs the token (default $SMOKEX_ADMIN_TOKEN): see below
//	--tokens FILE           also accept the tokens of FILE, each with a role and a scope: see below
//	--base-url URL          the dashboard's address as users reach it, for the links in alerts (default: the --addr URL)
//	--allowed-hosts NAMES   also answer these Host names, comma-separated; repeatable
//	--status-pages FILE     serve the public status pages of FILE at /s/<slug>, without a token
//	--allow-incidents       the API and the dashboard may write incidents (POST /api/incidents);
//	                        --alert-incidents sends their updates to the alert targets too
//
//	--max-connections N     hold at most N inbound connections (default 4096, or fewer when
//	                        the open-file limit, less the files kept for the checks, is lower)
//
// The listener times out a request's header after 10s, a whole request
// (body included) after 30s, an answer's write after 60s (/events moves its
// deadline on) and an idle kept-alive connection after 60s. At the cap of
// --max-connections a new connection closes the longest idle one; when
// every connection has a request in progress it is answered 503 at once.
// 256 files and 16 per --concurrency are kept from the open-file limit for
// the checks and the store, so that inbound load never fails a check.
//
// serve answers only requests whose Host is an IP address, localhost or a
// name under .localhost, the host of --addr or --base-url, or a name of
// --allowed-hosts (.example.com for a domain and the names under it); any
// other is refused with 403 naming the flag to set, which shuts out DNS
// rebinding (admin.HostCheck).
//
// With --auth-token, machines send Authorization: Bearer TOKEN (/metrics,
// /status, the badges, the API). A browser opening a page without it is
// redirected to /login, a form that takes the token and sets a cookie,
// smokex_session: HttpOnly, SameSite=Strict, Secure on TLS or with an https
// --base-url, holding an expiry 30 days out and an HMAC of it keyed with the
// token (never the token), which authorizes the requests that carry it as
// the header does; the same token in another serve accepts it, a new token
// ends it. A wrong token is a 401 page; a login posted from another origin
// is refused (403). The Bearer scheme is taken in any case. Wrong tokens
// are logged with the client's address; from the 10th within a minute the
// address's tokens get 429 until the minute ends. POST /logout ends the
// browser's login and every login made before it on this process (kept in
// memory: another replica, or a restart, accepts a copied cookie again
// until it expires; a new token ends every login). A link from
// another site, such as an alert's, opens the page again from serve's
// origin first, so that the strict cookie goes along.
//
// --tokens FILE gives more tokens (admin.ParseTokens), each known by its
// SHA-256 only, with a role and optionally labels:
//
//	# tokens.yaml
//	- name: partner-acme
//	  sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//	  role: viewer             # viewer | operator | admin
//	  labels: {customer: acme} # sees only the plans with these labels
//
// A viewer reads the dashboard and the API for its plans, with the
// requests' and responses' bodies and headers, what assertions received
// from them, captures and the plans' YAML hidden;
// an operator may also run plans now, pause them and write incidents; an
// admin may also edit and delete plans: a token's role is itself the grant,
// without --allow-run or --allow-edit, which set what --auth-token may do.
// Every endpoint, /events and the badges included, shows a token with
// labels only its plans: the others are answered 404, as plans that do not
// exist; /metrics answers 404 to any token but an admin's without labels,
// and the sync's API to a token that does not see every plan. The login
// page takes these tokens too: the cookie then carries the entry's name,
// role and labels, with an HMAC of them and of the entry's sha256, keyed
// with --auth-token or, without one, with a key of the process (a restart
// then ends those logins); an entry changed or removed ends its logins,
// and a logout ends the logins of its own token.
// The dashboard shows who is logged in, with the role, and only the
// controls the role may use. The status pages under /s/ are read without a
// token. An error in FILE stops serve at start, naming the entry, its line
// and the field.
//
// # smokex token
//
// token prints a new random token and the line of YAML to add to the
// --tokens file for it (--name, --role viewer|operator|admin, default
// viewer, and --label KEY=VALUE, repeatable): only its SHA-256 goes in the
// file.
//
// Plans given as PATHs stay read-only through the API (409, naming the
// file). With no PATH, the plans live in the store (in memory, or in
// PostgreSQL where they outlive the process) and are created and edited
// through the API or the dashboard's editor.
//
// Alerts (Config.Alerts, a notify.PolicyConfig; see package notify): a
// target flag turns them on, the rule flags map onto notify.Rules.
//
//	--webhook URL           a webhook target: events POSTed as JSON, signed with
//	                        $SMOKEX_WEBHOOK_SECRET when set (see notify/webhook)
//	--slack-webhook URL     a Slack incoming webhook target
//	--teams-webhook URL     a Microsoft Teams workflow webhook target (Adaptive Card)
//	--discord-webhook URL   a Discord channel webhook target (embeds)
//	--smtp-url URL          an e-mail target, smtp://user@host:587?from=ADDR&to=ADDR,ADDR
//	                        (default $SMOKEX_SMTP_URL; a password only there, never in the flag)
//	$SMOKEX_PAGERDUTY_ROUTING_KEY  a PagerDuty target (Events API v2) with that routing key
//	--alert-after N         Rules.AlertAfter: failed executions in a row before an alert (default 1)
//	--recover-after N       Rules.RecoverAfter: passed executions in a row before a recovery (default 1)
//	--no-recovery-alerts    Rules.NoRecoveryAlerts: do not announce recoveries
//	--alert-on-success      Rules.AlertOnSuccess: announce every passed execution too
//	--alert-on-degraded     Rules.AlertOnDegraded: announce a plan that turns degraded
//	--alert-flaky-after N/M Rules.FlakyAfter: announce a plan flaky in N of its last M executions (default never)
//	--alert-burn-rate       Rules.BurnRateAlerts: announce a plan with an slo that burns its error budget
//	                        14.4x over 1h and 5m, or 6x over 6h and 30m (the SRE workbook's multiwindow rule)
//	--alert-reminder D      Rules.Reminder: remind of a plan still failing every D (default never)
//	--maintenance W         PolicyConfig.Maintenance: a window for every plan, cron=SPEC,duration=D,tz=ZONE
//	                        (repeatable): executions in it are marked and alert nothing; it
//	                        works without a target too, keeping them out of the uptime figures
//
// Alerts link to the dashboard at --base-url, else at the --addr URL; an
// --addr on every interface (":8080", "0.0.0.0:8080") has no address to
// link to, and serve warns at start that alerts need --base-url. With
// --database-url the alert state is kept in PostgreSQL, so a restart
// neither repeats nor forgets an alert, and replicas send one between them.
//
// Metrics and traces (package metrics and its adapters metrics/otel and
// metrics/datadog):
//
//	--metrics               serve the metrics at /metrics on --addr, in the Prometheus
//	                        text format (default true; --metrics=false turns it off)
//	--statsd ADDR           send them, and a smokex.plan service check per plan, to the
//	                        DogStatsD agent at ADDR (default $DD_DOGSTATSD_URL, or
//	                        $DD_AGENT_HOST:$DD_DOGSTATSD_PORT)
//	--otlp-endpoint URL     export metrics and traces by OTLP over HTTP to URL
//	                        (default $OTEL_EXPORTER_OTLP_ENDPOINT)
//
// With OTLP on, each execution is a trace (its ID is stored with the
// execution), each step and each request a span, and the requests carry a
// traceparent header so that the target's own traces join it. The
// standard OTEL_* variables apply: OTEL_SERVICE_NAME (default smokex),
// OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, the signals' own
// endpoints, timeouts, compression, OTEL_METRIC_EXPORT_INTERVAL. A missing
// agent or collector never blocks or fails a run. serve's log masks the
// user info of the OTLP endpoints, the OTLP headers' values, the database
// URL's password and the auth token in every line.
//
// Unlike run, serve hides the environment from plans unless --env is given,
// and a plan reads only the secrets that --secret names: run executes the
// plans its caller just named, once, while serve keeps executing whatever
// appears in a watched directory, in a process that may hold credentials of
// its own. A plan that declares a secret serve may not read is warned about
// at start, and its executions fail with "secret NAME is not set".
//
// On SIGINT or SIGTERM, serve stops scheduling, waits up to
// --shutdown-timeout for the executions in flight, then cancels them (they
// are stored as canceled); a second signal ends the process at once. It
// exits 0 when stopped by a signal, also when executions still running at
// --shutdown-timeout were canceled; 1 when the engine could not load the
// plans into its store, start or stop; and 2 on bad usage, a bad --database-url or a
// database it cannot reach.
//
// # smokex sync
//
// smokex sync --dry-run SOURCE prints what a sync of SOURCE (as --sync
// takes it; git+file://$PWD#HEAD:.smokex is the commit checked out) would
// add, change and remove, the files that would not load, and a unified
// diff per plan, changing nothing: the check of a pull request. It
// compares with the plans a sync applied to the PostgreSQL database at
// --database-url, or, with --server URL (and --token, default
// $SMOKEX_ADMIN_TOKEN), with those of a running serve, through POST
// /api/sync/preview. It exits 0 when a sync would apply without errors, 1
// when some files would not load or the revision holds no plan file (a
// sync would refuse it unless --allow-empty), and 2 on bad usage, a source
// that cannot be fetched, or a database or server that cannot be reached or
// refuses the request.
//
// # smokex migrate
//
// migrate creates or upgrades smokex's tables in the schema (--schema,
// default smokex) of the PostgreSQL database at --database-url, and prints
// what it did: "schema NAME created at version N", "schema NAME upgraded
// from version A to B" or "schema NAME is up to date (version N)". It is idempotent, and replicas that migrate
// at once wait for each other. It exits 2 on a bad URL or a database it
// cannot reach, 1 when the database refuses the migration (nothing then
// changes).
//
// # The database URL
//
// serve and migrate read the database URL from the environment variable
// SMOKEX_DATABASE_URL when --database-url is not given; a --database-url
// given on the command line, even empty, wins. A URL that holds a password
// is better given this way: the command line of a process is visible to
// every user of the machine (ps), its environment is not.
package main
