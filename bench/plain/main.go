// Command plain does by hand, with net/http and encoding/json, exactly what
// the benchmark plans that bench/gen writes ask smokex to do (see
// bench/internal/workload.Flow), so that bench/run.sh can compare the two.
//
// -plans flows run concurrently, each doing -pairs login+echo pairs in
// order and stopping at its first failure. The exit status is 1 when any
// check failed.
//
//	plain -base http://127.0.0.1:8080 -plans 1 -pairs 500   # as the 1000-step plan
//	plain -base http://127.0.0.1:8080 -plans 50 -pairs 10   # as 50 plans of 20 steps
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/smokex/smokex/bench/internal/workload"
)

func main() {
	base := flag.String("base", workload.DefaultBase, "base URL of the target")
	plans := flag.Int("plans", 1, "flows to run concurrently")
	pairs := flag.Int("pairs", 500, "login+echo pairs per flow")
	timeout := flag.Duration("timeout", 5*time.Second, "timeout of each request")
	flag.Parse()

	f := workload.Flow{
		Client:  &http.Client{Transport: workload.NewTransport(*plans), CheckRedirect: workload.NoRedirects},
		Base:    *base,
		Timeout: *timeout,
	}
	var wg sync.WaitGroup
	errs := make([]error, *plans)
	for i := range *plans {
		wg.Go(func() { errs[i] = f.Run(context.Background(), *pairs) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "plain:", err)
		os.Exit(1)
	}
}
