// Command demoapi serves the demo API that the example plans run against.
//
//	go run ./examples/demoapi -addr 127.0.0.1:8080
//	smokex run --var base=http://127.0.0.1:8080 examples/plans/
//
// It stops on SIGINT or SIGTERM, letting requests in flight finish.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/smokex/smokex/internal/demoapi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "demoapi:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("demo API listening", "url", "http://"+ln.Addr().String())
	return demoapi.Serve(ctx, ln, demoapi.New())
}
