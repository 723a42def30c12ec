// Command target is the loopback server the benchmarks in bench/ send their
// requests to. It does as little as it can, so that what the benchmark
// measures is the client:
//
//	POST /login  JSON body in; {"session":{"token":"..."}} out
//	GET  /echo   {"token": <the token query parameter>} out, header X-Echo: yes
//
// It listens on -addr (a free loopback port by default), writes the address
// it got to -addr-file when given, and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"

	"github.com/smokex/smokex/internal/demoapi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "write the address listened on to this file")
	flag.Parse()
	if err := run(*addr, *addrFile); err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		os.Exit(1)
	}
}

func run(addr, addrFile string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if addrFile != "" {
		// Written whole, then renamed, so a reader never sees half of it.
		tmp := addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, addrFile); err != nil {
			return err
		}
	}
	return demoapi.Serve(ctx, ln, handler())
}

func handler() http.Handler {
	var n atomic.Uint64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
			http.Error(w, "body must be JSON", http.StatusBadRequest)
			return
		}
		token := "tok-" + strconv.FormatUint(n.Add(1), 10)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"session":{"token":"`+token+`"}}`)
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]string{"token": r.URL.Query().Get("token")})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", "yes")
		_, _ = w.Write(b)
	})
	return mux
}
