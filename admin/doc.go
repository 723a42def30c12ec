// Package admin is the admin endpoint of a smokex engine: one http.Handler
// with a JSON API, a status page for load balancers, badges, a stream of
// live events and an HTML dashboard.
//
// Mount it on the host's mux, under any prefix:
//
//	mux.Handle("/admin/smoke/", http.StripPrefix("/admin/smoke", admin.New(eng, nil)))
//
// The paths, relative to where it is mounted:
//
//	GET    /api/plans                  {"plans": [...], "load_errors": [...]}: each plan with its newest execution and summary; the files that do not load
//	GET    /api/plans/{id}             one plan, with its YAML source
//	PUT    /api/plans/{id}             create or replace a plan from YAML (Config.AllowEdit); 422 with line and column,
//	                                   507 past Config.MaxPlansBytes of YAML for all plans together
//	DELETE /api/plans/{id}             remove a plan (Config.AllowDelete); 204
//	POST   /api/plans/{id}/runs        run a plan now (Config.AllowRun); 202 {"execution_id": ...}
//	GET    /api/executions             ?plan=&status=&limit=&cursor=, newest first
//	GET    /api/executions/{id}        one execution with its steps
//	GET    /api/schedule               the scheduled plans with their next run
//	GET    /api/locations              each location: its processes, last seen, queue depth, lateness
//	POST   /api/generate               plans written, not stored, from a check's fields, an OpenAPI URL or a curl
//	                                   command (Config.AllowEdit): {"plans": [{"id", "source", "secrets"}]}
//	GET    /status                     200 when every plan passes, 503 otherwise; ?plan=ID (404 when unknown), ?label=key=value
//	GET    /badge/{id}.svg             a status badge
//	GET    /badge/{id}/uptime.svg      the share of executions up, ?window=24h, 7d (default) or 30d
//	GET    /badge/{id}/response-time.svg  the median duration of recent executions
//	GET    /events                     Server-Sent Events of executions as they happen
//	GET    /                           the dashboard: /plans/{id}, /executions/{id}, /new (writes YAML with /api/generate)
//
// Serve it from an http.Server with timeouts, so that idle or slow clients
// cannot hold connections (and file descriptors the checks need) forever;
// smokex serve uses these:
//
//	srv := &http.Server{
//		Handler:           mux,
//		ReadHeaderTimeout: 10 * time.Second,
//		ReadTimeout:       30 * time.Second, // the whole request, body included
//		WriteTimeout:      60 * time.Second,
//		IdleTimeout:       60 * time.Second,
//	}
//
// /events works under them: it clears its read deadline and moves its write
// deadline on at each flush, so that a client that stops reading is let go.
// Set Config.AllowedHosts (or wrap the mux in HostCheck) where a browser
// can reach the handler, which shuts out DNS rebinding.
//
// Errors are {"error": "..."} with the status code that says what went
// wrong. The handler is read-only unless Config allows running, editing or
// deleting; requests that change something are refused when they come from
// another origin (http.CrossOriginProtection). Secrets never appear: the
// executor redacts them from every result before the handler sees it.
//
// Scoped access: Config.Tokens (ParseTokens reads a tokens file) are bearer
// tokens with a Role (viewer, operator, admin) and optionally labels. A
// token with labels is shown only the plans that have them, on every
// endpoint, /events and the badges included; the others are answered 404,
// as a plan that does not exist, so that their IDs do not leak. A viewer
// is not shown the requests' and responses' bodies and headers, what
// assertions received from them, captures or the plans' YAML; an operator
// may also run plans now, pause them and write incidents; an admin may
// also edit and delete plans; the dashboard says who is logged in and
// shows only the controls the role may use. A host that authenticates
// users itself (smokex serve's login cookie) says who a request is with
// WithAccess. The public status pages under /s/ need no token.
package admin
