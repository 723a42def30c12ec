//go:build !slim

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/smokex/smokex"
)

// defaultAddr is where serve listens unless --addr says otherwise.
const defaultAddr = "127.0.0.1:8080"

// The timeouts of serve's listener. A client that sends nothing, idles
// between requests, or sends a request or reads an answer slowly holds its
// connection (a file descriptor, two buffers and a goroutine) only this
// long. /events moves its own deadlines on (see package admin).
const (
	// readHeaderTimeout bounds the reading of a request's header.
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds the reading of a whole request, body included: a
	// POST /login sent one byte at a time is cut off there.
	readTimeout = 30 * time.Second
	// writeTimeout bounds the writing of an answer from the end of its
	// request's header.
	writeTimeout = 60 * time.Second
	// idleTimeout is how long a kept-alive connection waits for its next
	// request.
	idleTimeout = 60 * time.Second
)

// routes is what serve answers on --addr. Each capability of serve (the
// admin dashboard and API, /status, /events, badges, /metrics) registers
// its paths here.
func (f *serveFlags) routes(eng *smokex.Engine) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", f.admin.handler(eng))
	f.metrics.register(mux)
	return mux
}

// listenConfig is how serve's listener treats its clients.
type listenConfig struct {
	// maxConns caps the inbound connections held at once (see connLimit).
	maxConns int
	// The timeouts; the constants above in serve, shorter in tests.
	readHeader, read, write, idle time.Duration
}

// defaultListenConfig is serve's listenConfig with at most maxConns
// inbound connections.
func defaultListenConfig(maxConns int) listenConfig {
	return listenConfig{maxConns: maxConns, readHeader: readHeaderTimeout, read: readTimeout, write: writeTimeout, idle: idleTimeout}
}

// httpServer is serve's one listener.
type httpServer struct {
	srv  *http.Server
	done chan error
	url  string
}

// listen starts serving h on addr; an empty addr serves nothing.
func listen(addr string, h http.Handler, log *slog.Logger, cfg listenConfig) (*httpServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	limit := newConnLimit(ln, cfg.maxConns, log)
	s := &httpServer{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: cfg.readHeader,
			ReadTimeout:       cfg.read,
			WriteTimeout:      cfg.write,
			IdleTimeout:       cfg.idle,
			ConnState:         limit.track,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		done: make(chan error, 1),
		url:  "http://" + ln.Addr().String() + "/",
	}
	go func() { s.done <- s.srv.Serve(limit) }()
	return s, nil
}

// shutdown stops accepting requests and waits for those in flight until
// ctx ends; long-lived streams are closed at once.
func (s *httpServer) shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// connLimit is a listener that holds at most max inbound connections, so
// that clients can never take the file descriptors that the checks need
// for their own connections. A connection accepted at the cap makes room
// by closing the connection that has waited longest without a request in
// progress (one idle between requests, or one that has sent no request
// yet); when every connection has a request in progress, the new one is
// answered 503 and closed at once. Refused, never queued: the process
// stays within its file limit and /status keeps answering.
type connLimit struct {
	net.Listener
	max int
	log *slog.Logger

	mu    sync.Mutex
	conns map[net.Conn]*connInfo
	// refused and evicted count since the last warning, which is logged at
	// most once every warnEvery.
	refused, evicted int
	warned           time.Time
}

// connInfo is what connLimit knows of one connection.
type connInfo struct {
	// busy is true while a request is in progress.
	busy bool
	// since is when the connection last became idle or new.
	since time.Time
}

// warnEvery spaces connLimit's warnings.
const warnEvery = 10 * time.Second

func newConnLimit(ln net.Listener, max int, log *slog.Logger) *connLimit {
	return &connLimit{Listener: ln, max: max, log: log, conns: map[net.Conn]*connInfo{}}
}

// Accept implements net.Listener.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		refuse(c)
	}
}

// admit records c and returns true when there is room for it, after
// closing the longest-waiting connection without a request if need be.
func (l *connLimit) admit(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	ok := true
	if len(l.conns) >= l.max {
		var oldest net.Conn
		var since time.Time
		for oc, info := range l.conns {
			if !info.busy && (oldest == nil || info.since.Before(since)) {
				oldest, since = oc, info.since
			}
		}
		if oldest != nil {
			// The server sees its read fail and reports it closed.
			delete(l.conns, oldest)
			oldest.Close()
			l.evicted++
		} else {
			ok = false
			l.refused++
		}
		if now.Sub(l.warned) >= warnEvery {
			l.log.Warn("smokex serve: inbound connections at --max-connections: the longest idle are closed, and new ones refused while every connection has a request in progress",
				"max_connections", l.max, "closed_idle", l.evicted, "refused", l.refused)
			l.warned, l.evicted, l.refused = now, 0, 0
		}
	}
	if ok {
		l.conns[c] = &connInfo{since: now}
	}
	return ok
}

// track follows the state of the server's connections (http.Server's
// ConnState).
func (l *connLimit) track(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info, ok := l.conns[c]
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
	case http.StateActive:
		if ok {
			info.busy = true
		}
	case http.StateIdle:
		if ok {
			info.busy, info.since = false, time.Now()
		}
	}
}

// overloaded is the answer to a connection refused at the cap.
var overloaded = func() []byte {
	body := `{"error":"too many connections: every one has a request in progress; try again"}` + "\n"
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"+
		"Connection: close\r\nRetry-After: 1\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// refuse answers c 503 without reading from it and closes it, within a
// bound, in the background.
func refuse(c net.Conn) {
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write(overloaded)
		c.Close()
	}()
}

// The defaults of --max-connections.
const (
	// defaultMaxConnections caps the inbound connections when the file
	// limit allows more: each costs memory (about 20 KB) as well as a file.
	defaultMaxConnections = 4096
	// reservedFiles are the files kept for what is not an inbound
	// connection nor a check: the store's pool, the exporters, plan files,
	// the process's own.
	reservedFiles = 256
	// filesPerExecution are kept for each execution that may run at once
	// (--concurrency): its connections, kept-alive ones included.
	filesPerExecution = 16
)

// maxConnections is the cap on inbound connections: flag when given (not
// 0), else defaultMaxConnections, each within what the process's file
// limit leaves once files are kept for the checks and the rest.
func maxConnections(flag, concurrency int, fileLimit uint64) (int, error) {
	if flag < 0 {
		return 0, fmt.Errorf("--max-connections must not be negative, not %d", flag)
	}
	if concurrency <= 0 {
		concurrency = smokex.DefaultConcurrency
	}
	reserve := reservedFiles + filesPerExecution*concurrency
	avail := defaultMaxConnections
	if fileLimit > 0 {
		avail = int(min(fileLimit, 1<<30)) - reserve
		if avail < 16 {
			// A tiny limit: half of it for each side.
			avail = max(int(fileLimit/2), 1)
		}
	}
	switch {
	case flag == 0:
		return min(defaultMaxConnections, avail), nil
	case fileLimit > 0 && flag > avail:
		return 0, fmt.Errorf("--max-connections %d leaves too few file descriptors for the checks: the process may open %d files (RLIMIT_NOFILE), and %d are kept for the checks (%d per --concurrency) and the store; give at most %d, or raise the limit (ulimit -n)",
			flag, fileLimit, reserve, filesPerExecution, avail)
	}
	return flag, nil
}
