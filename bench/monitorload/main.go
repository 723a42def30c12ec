// Command monitorload is the Go side of bench/monitor.sh.
//
// With -plain it is the floor: -plans loops, each checking the target every
// -every as a plan of bench/monitor.sh does (GET /echo?token=tN, status,
// X-Echo header and JSON token: workload.Flow.Echo), the first check of
// each loop spread over the first interval. It runs until -until (Unix
// seconds, and 5 s more) and prints, for the window from -from to -until, one line of
// JSON: checks due, checks done, failures, and the lateness of their
// starts (start minus due time) at p50, p99 and the largest.
//
// With -serve URL it reads the executions of smokex serve at URL through
// its API (/api/executions, every page) and prints the same line for the
// executions scheduled in the window.
//
// With -big ADDR it serves GET /big, a body of -size bytes, on ADDR until
// killed, for bench/debugmem.sh.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/smokex/smokex/bench/internal/workload"
)

// stats is what the script prints of one side.
type stats struct {
	Due      int     `json:"due"`
	Done     int     `json:"done"`
	Failed   int     `json:"failed"`
	LateP50  float64 `json:"late_p50_ms"`
	LateP99  float64 `json:"late_p99_ms"`
	LateMax  float64 `json:"late_max_ms"`
	Executed int     `json:"executions_read,omitempty"`
}

func main() {
	base := flag.String("base", workload.DefaultBase, "base URL of the target")
	plans := flag.Int("plans", 200, "plans (loops)")
	every := flag.Duration("every", 10*time.Second, "interval of each plan")
	from := flag.Int64("from", 0, "start of the window, Unix seconds")
	until := flag.Int64("until", 0, "end of the window, Unix seconds")
	plain := flag.Bool("plain", false, "run the plain loops")
	serve := flag.String("serve", "", "read the executions of smokex serve at this URL")
	big := flag.String("big", "", "serve GET /big on this address")
	size := flag.Int("size", 10<<20, "bytes of the body of /big")
	flag.Parse()
	if *big != "" {
		body := bytes.Repeat([]byte("0123456789abcdef"), *size/16)
		err := http.ListenAndServe(*big, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(body)
		}))
		fmt.Fprintln(os.Stderr, "monitorload:", err)
		os.Exit(1)
	}
	start, end := time.Unix(*from, 0), time.Unix(*until, 0)
	var (
		st  stats
		err error
	)
	switch {
	case *plain:
		st = runPlain(*base, *plans, *every, start, end)
	case *serve != "":
		st, err = readServe(*serve, start, end)
	default:
		err = fmt.Errorf("give -plain or -serve")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "monitorload:", err)
		os.Exit(1)
	}
	st.Due = *plans * int(end.Sub(start) / *every)
	out, _ := json.Marshal(st)
	fmt.Println(string(out))
}

// runPlain runs the loops until end and returns what was due in [from, end).
func runPlain(base string, plans int, every time.Duration, from, end time.Time) stats {
	f := workload.Flow{
		Client:  &http.Client{Transport: workload.NewTransport(plans), CheckRedirect: workload.NoRedirects},
		Base:    base,
		Timeout: 5 * time.Second,
	}
	// A little past the window, so that the script reads the process's
	// CPU time at the window's end.
	ctx, cancel := context.WithDeadline(context.Background(), end.Add(5*time.Second))
	defer cancel()
	var (
		mu     sync.Mutex
		st     stats
		late   []float64
		wg     sync.WaitGroup
		origin = time.Now()
	)
	for i := range plans {
		wg.Go(func() {
			token := fmt.Sprintf("t%d", i+1)
			due := origin.Add(every * time.Duration(i) / time.Duration(plans))
			for {
				t := time.NewTimer(time.Until(due))
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				started := time.Now()
				err := f.Echo(ctx, token)
				if !due.Before(from) && due.Before(end) {
					mu.Lock()
					st.Done++
					if err != nil {
						st.Failed++
					}
					late = append(late, float64(started.Sub(due))/float64(time.Millisecond))
					mu.Unlock()
				}
				due = due.Add(every)
			}
		})
	}
	wg.Wait()
	st.LateP50, st.LateP99, st.LateMax = quantiles(late)
	return st
}

// execution is what readServe reads of one.
type execution struct {
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	StartedAt   time.Time `json:"started_at"`
}

// readServe pages through serve's executions.
func readServe(base string, from, end time.Time) (stats, error) {
	var st stats
	var late []float64
	cursor := ""
	for {
		u := base + "api/executions?limit=1000"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, err := http.Get(u)
		if err != nil {
			return st, err
		}
		var page struct {
			Executions []execution `json:"executions"`
			NextCursor string      `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return st, fmt.Errorf("%s: %w", u, err)
		}
		for _, x := range page.Executions {
			st.Executed++
			if x.ScheduledAt.Before(from) || !x.ScheduledAt.Before(end) || x.StartedAt.IsZero() {
				continue
			}
			st.Done++
			if x.Status != "passed" {
				st.Failed++
			}
			late = append(late, float64(x.StartedAt.Sub(x.ScheduledAt))/float64(time.Millisecond))
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	st.LateP50, st.LateP99, st.LateMax = quantiles(late)
	return st, nil
}

// quantiles returns the p50, p99 and largest of xs.
func quantiles(xs []float64) (p50, p99, largest float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(xs)
	at := func(q float64) float64 { return xs[min(len(xs)-1, int(q*float64(len(xs))))] }
	return at(0.50), at(0.99), xs[len(xs)-1]
}
