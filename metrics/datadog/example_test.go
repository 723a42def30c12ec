package datadog_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/metrics/datadog"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// A host sends smokex's metrics and a service check per plan to the
// Datadog agent, here a UDP listener on the loopback in its place. The
// engine's Stop flushes them.
func Example() {
	agent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	defer agent.Close()
	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer api.Close()

	rec, err := datadog.New(datadog.Config{Addr: agent.LocalAddr().String(), Tags: []string{"env:example"}})
	if err != nil {
		panic(err)
	}
	eng, err := smokex.New(smokex.Config{
		Vars:  map[string]any{"base": api.URL},
		Hooks: []record.Hook{rec},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p, err := plan.Parse([]byte("name: site\nsteps:\n  - get: {url: \"${base}/\", expect: {status_code: 200}}\n"), nil)
	if err != nil {
		panic(err)
	}
	if err := eng.AddPlan(ctx, p); err != nil {
		panic(err)
	}
	if err := eng.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := eng.Run(ctx, p.ID, nil); err != nil {
		panic(err)
	}
	if err := eng.Stop(ctx); err != nil {
		panic(err)
	}

	// The metric names and kinds, and the service check, once each.
	var got []string
	buf := make([]byte, 65536)
	for {
		_ = agent.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := agent.Read(buf)
		if err != nil {
			break
		}
		for line := range strings.SplitSeq(strings.TrimSpace(string(buf[:n])), "\n") {
			fields := strings.Split(line, "|")
			switch {
			case fields[0] == "_sc":
				got = append(got, "service check "+fields[1])
			case strings.HasPrefix(fields[0], "smokex."):
				name, _, _ := strings.Cut(fields[0], ":")
				got = append(got, name+" "+fields[1])
			}
		}
	}
	slices.Sort(got)
	for _, g := range slices.Compact(got) {
		fmt.Println(g)
	}
	// Output:
	// service check smokex.plan
	// smokex.execution.duration d
	// smokex.executions c
	// smokex.plan.last_run g
	// smokex.plan.up g
	// smokex.step.duration d
}
