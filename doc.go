// Package smokex runs HTTP smoke tests and synthetic monitors inside a Go
// service. An Engine wires the pieces a host picks: a store for plans and
// results (storage/memory by default, storage/postgres across replicas), a
// scheduler (in-process cron by default), hooks for metrics, an alert
// policy (Config.Alerts: package notify), and subscribers for live updates.
//
// A host loads plans (YAML, see the plan package), starts the engine, and
// gets scheduled runs, stored executions and events:
//
//	eng, err := smokex.New(smokex.Config{})
//	...
//	_, err = eng.SyncFS(ctx, plansFS)
//	err = eng.Start(ctx)
//	defer eng.Stop(ctx)
//	execution, err := eng.Run(ctx, "checkout", nil)
//
// The zero Config runs everything in memory with no services.
package smokex
