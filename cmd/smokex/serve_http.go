package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/smokex/smokex"
)

// defaultAddr is where serve listens unless --addr says otherwise.
const defaultAddr = "127.0.0.1:8080"

// routes is what serve answers on --addr. Each capability of serve (the
// admin dashboard and API, /status, /events, badges, /metrics) registers
// its paths here.
func (f *serveFlags) routes(eng *smokex.Engine) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", f.admin.handler(eng))
	f.metrics.register(mux)
	return mux
}

// httpServer is serve's one listener.
type httpServer struct {
	srv  *http.Server
	done chan error
	url  string
}

// listen starts serving h on addr; an empty addr serves nothing.
func listen(addr string, h http.Handler, log *slog.Logger) (*httpServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	s := &httpServer{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		done: make(chan error, 1),
		url:  "http://" + ln.Addr().String() + "/",
	}
	go func() { s.done <- s.srv.Serve(ln) }()
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
