package smokex

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// Defaults of Config.
const (
	// DefaultConcurrency is how many executions run at once.
	DefaultConcurrency = 16
	// DefaultSubscriberBuffer is how many events a subscriber may fall
	// behind before further events to it are dropped.
	DefaultSubscriberBuffer = 256
	// DefaultRetentionInterval is how often old executions are pruned.
	DefaultRetentionInterval = time.Hour
	// DefaultStaleAfter is how long an execution in flight holds back its
	// plan's next run at most.
	DefaultStaleAfter = 10 * time.Minute
	// DefaultMaxLateness is Config.MaxLateness by default: no bound but
	// each plan's interval, within which a tick must start.
	DefaultMaxLateness = 0
	// DefaultRetentionMaxAge is how long finished executions are kept.
	DefaultRetentionMaxAge = 30 * 24 * time.Hour
	// DefaultWriteRunningAfter is how long a scheduled run written once,
	// when it ends, may run unwritten at most.
	DefaultWriteRunningAfter = time.Second
)

// Config configures an Engine. The zero value is a working engine: memory
// store, in-process scheduler, no notifiers, no metrics, slog.Default().
type Config struct {
	// Store keeps plans and executions. Defaults to a new memory store.
	Store storage.Store

	// NewScheduler builds the scheduler that calls run on each tick of a
	// plan's schedule. Defaults to the in-process cron scheduler.
	NewScheduler func(run schedule.Func) (schedule.Scheduler, error)

	// Exec configures the executor that runs the plans: the HTTP client,
	// the response body bound, the default step timeout, the retry policy.
	// Its zero value is the executor's defaults (exec.Config); its Logger
	// defaults to Logger.
	Exec exec.Config

	// Location is the location this process runs plans from ("eu-west";
	// plan.CheckLocation says which names are valid): with a scheduler
	// that runs ticks by location (schedule.LocationScheduler, such as
	// schedule/river, whose own Config.Location must be the same), the
	// ticks of plans that name it run here; runs started here (Run,
	// Trigger) record it, and the plans read it as ${location}. Defaults
	// to none: this process runs the ticks of plans without locations.
	Location string

	// ProcessID names this process in its heartbeat (the Locations page
	// lists the processes of each location). Defaults to the host name
	// and the pid.
	ProcessID string

	// HeartbeatInterval is how often this process records its heartbeat
	// when the store keeps them (storage.HeartbeatStore, as both stores
	// of this module do), and looks at the locations: one that a plan
	// names and that has had no live process for LocationTimeout is
	// reported unavailable (Locations, the alert location_unavailable,
	// sent once by one process), and the ticks queued for it for longer
	// are dropped rather than run late. Defaults to
	// DefaultHeartbeatInterval; negative disables heartbeats.
	HeartbeatInterval time.Duration

	// LocationTimeout is how long a location may have no live process,
	// or a tick waiting in its queue, before it is reported unavailable:
	// within LocationTimeout plus HeartbeatInterval of its last process's
	// death. Defaults to DefaultLocationTimeout.
	LocationTimeout time.Duration

	// Concurrency bounds the executions that run at once, across plans.
	// Defaults to DefaultConcurrency.
	Concurrency int

	// Overlap decides whether a plan may start while its previous execution
	// still runs. Defaults to OverlapSkip. A tick written once, when it
	// ends (WriteRunningAfter), is checked against the executions of other
	// processes at its first write rather than at admission: under
	// OverlapSkip one whose running row (at its bound, or before its first
	// step result of several) finds another execution of its plan in
	// flight is canceled and skipped for overlap, as at admission; one
	// that ended before its bound ran already, piling nothing up, and is
	// stored with a warning of the overlap.
	Overlap OverlapPolicy

	// Vars are variables every run sees, below the caller's own.
	Vars map[string]any

	// Secrets resolves the secrets plans declare. Their values are redacted
	// from every result. Defaults to none: a plan that declares a secret
	// fails until one is configured.
	Secrets SecretSource

	// LookupEnv, when set, makes process environment variables visible to
	// plans as the last source of names (os.LookupEnv does). Nil keeps the
	// environment hidden.
	LookupEnv func(name string) (string, bool)

	// Hooks see every execution as it happens, each through the
	// record hook interfaces it implements (created, started, step
	// finished, finished, tick skipped, store failed, event dropped), with
	// the plan it belongs to: metrics adapters and alert policies hang
	// here. They are called in the run's goroutine after the event is
	// stored (but for the exceptions record.Hook lists: the last step's
	// StepFinished, and a tick written once when it ends) and must not
	// block; the finish is told after the execution
	// gave back its concurrency slot. A hook that is a record.Service is
	// started by Start and stopped by Stop once the runs in flight are
	// done. No hook may call Stop, which waits for the run it is called
	// from. New refuses a hook that implements none of the record hook
	// interfaces (a method whose signature differs from the interface's),
	// naming its type: it would never be called.
	Hooks []record.Hook

	// Alerts, when set, makes the engine alert: New builds the policy
	// (notify.NewPolicy) and adds it to Hooks, so that it hears of every
	// finished execution and starts and stops with the engine. Its Store
	// defaults to this Config's Store when that is a storage.AlertStore
	// (the memory and PostgreSQL stores are), so that alert state
	// survives restarts and replicas share it; its Logger defaults to
	// Logger; the Hooks that implement record.NotificationSentHook are
	// added to its Sent. Nil: no alerts. Engine.Alerts returns the policy.
	Alerts *notify.PolicyConfig

	// SubscriberBuffer is the default buffer of Subscribe. Defaults to
	// DefaultSubscriberBuffer.
	SubscriberBuffer int

	// RetentionInterval is how often finished executions are pruned.
	// Defaults to DefaultRetentionInterval; negative disables pruning.
	RetentionInterval time.Duration

	// RetentionMaxAge prunes executions finished longer ago. Defaults to
	// DefaultRetentionMaxAge.
	RetentionMaxAge time.Duration

	// RetentionKeepLast, when positive, also keeps only the newest N
	// finished executions of each plan.
	RetentionKeepLast int

	// SkipRecovery leaves alone, on Start, the executions that a process
	// which died left created or running. By default Start finishes them with
	// stop reason interrupted (status canceled, or failed when a stored step
	// had failed), so that nothing stays running forever. Replicas that
	// share one store must set it (with the in-process scheduler each
	// replica's Start would finish the others' running executions). With
	// a scheduler that rescues ticks (schedule.Rescuer, the River
	// scheduler), there is no need: Start then finishes only the
	// leftovers older than StaleAfter, and the scheduler hands a tick
	// whose process died back to the engine, which finishes its execution.
	SkipRecovery bool

	// StaleAfter is how long an execution in flight may hold back its
	// plan's next run when the overlap policy is OverlapSkip and the store
	// decides overlap for every process sharing it (a
	// storage.ExclusiveCreator, such as both stores of this module; a tick
	// written once, when it ends, is held back at its running row's
	// write, see Overlap): an
	// execution created or running for longer is taken for the leftover
	// of a process that died, and no longer counts. With a scheduler
	// that rescues ticks (schedule.Rescuer), it is also the age past
	// which Start finishes such leftovers. Set it above the longest run a
	// plan may take; with the River scheduler, to its job timeout, which
	// no run outlives. Defaults to DefaultStaleAfter.
	StaleAfter time.Duration

	// WriteRunningAfter is how long a scheduled run may go unwritten in
	// the store. On a store that creates executions finished
	// (storage.FinishedCreator, as both stores of this module do), a tick
	// that starts in time with a concurrency slot free is written once,
	// when it ends: its execution, finished with its steps, in one write,
	// where a run is otherwise created as running and then finished.
	// Until then the store, and so the dashboard and the API that read
	// it, do not show it (the engine's events and hooks do), and a
	// process that dies during it leaves no
	// execution of the tick. A run that appends a step result before its
	// last, or is still going after WriteRunningAfter (or half the time
	// left from its start to its plan's next due time, when that is
	// shorter, so that a run in flight is in the store before the plan's
	// next tick is due, for a tick that starts late too), is written as
	// running then and finished as any other. Defaults to
	// DefaultWriteRunningAfter; negative writes every run as running when
	// it is admitted.
	WriteRunningAfter time.Duration

	// MaxLateness bounds how late a scheduled tick may start: a tick that
	// cannot start within its plan's interval (the time from its due time
	// to the next), or within MaxLateness when that is shorter, is not
	// run late but recorded as skipped: an execution with status canceled,
	// stop reason skipped and an error of kind late that says by how much
	// it missed, and a TickSkipped hook with reason late. It holds for
	// every tick, whatever delayed it: a busy process, the concurrency
	// limit, a queue of ticks that grew while no replica could take them,
	// or a restart that finds ticks due long ago. A tick already that late
	// when it reaches the engine is recorded at once, and is no run in
	// flight: it takes no concurrency slot, and holds back none of its
	// plan's other ticks under OverlapSkip. Zero means the plan's
	// interval alone (DefaultMaxLateness); it must not be negative.
	MaxLateness time.Duration

	// ParseOpts bounds the plans the engine loads, and its Exclude skips
	// files of SyncFS and WatchFS. Nil means plan defaults.
	ParseOpts *plan.ParseOpts

	// SyncFilter, when set, keeps only the plans of SyncFS and WatchFS for
	// which it returns true (smokex serve's --label and --plan); the others
	// are not loaded, and removed if an earlier sync loaded them. Nil keeps
	// every plan.
	SyncFilter func(p *plan.Plan) bool

	// Logger receives the engine's logs. Defaults to slog.Default().
	Logger *slog.Logger

	// now is the clock; tests in this package replace it.
	now func() time.Time
}

// OverlapPolicy decides what happens to a run of a plan whose previous
// execution has not finished.
type OverlapPolicy int

const (
	// OverlapSkip does not start the run: a scheduled tick is logged and
	// counted, a manual run returns ErrOverlap.
	OverlapSkip OverlapPolicy = iota
	// OverlapAllow starts the run anyway.
	OverlapAllow
)

func (c Config) withDefaults() (Config, error) {
	if c.Concurrency < 0 {
		return c, fmt.Errorf("smokex: Config.Concurrency must not be negative, got %d", c.Concurrency)
	}
	if c.SubscriberBuffer < 0 {
		return c, fmt.Errorf("smokex: Config.SubscriberBuffer must not be negative, got %d", c.SubscriberBuffer)
	}
	if c.Overlap != OverlapSkip && c.Overlap != OverlapAllow {
		return c, fmt.Errorf("smokex: Config.Overlap is not a known policy: %d", c.Overlap)
	}
	if c.Location != "" {
		if err := plan.CheckLocation(c.Location); err != nil {
			return c, fmt.Errorf("smokex: Config.Location: %w", err)
		}
	}
	if c.LocationTimeout < 0 {
		return c, fmt.Errorf("smokex: Config.LocationTimeout must not be negative, got %s", c.LocationTimeout)
	}
	c.HeartbeatInterval = cmp.Or(c.HeartbeatInterval, DefaultHeartbeatInterval)
	c.LocationTimeout = cmp.Or(c.LocationTimeout, DefaultLocationTimeout)
	c.ProcessID = cmp.Or(c.ProcessID, processID())
	if c.HeartbeatInterval > 0 && c.LocationTimeout <= c.HeartbeatInterval {
		return c, fmt.Errorf("smokex: Config.LocationTimeout (%s) must exceed Config.HeartbeatInterval (%s): a live process is seen every HeartbeatInterval", c.LocationTimeout, c.HeartbeatInterval)
	}
	if c.StaleAfter < 0 {
		return c, fmt.Errorf("smokex: Config.StaleAfter must not be negative, got %s", c.StaleAfter)
	}
	if c.StaleAfter == 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	if c.MaxLateness < 0 {
		return c, fmt.Errorf("smokex: Config.MaxLateness must not be negative, got %s", c.MaxLateness)
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.SubscriberBuffer == 0 {
		c.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if c.RetentionInterval == 0 {
		c.RetentionInterval = DefaultRetentionInterval
	}
	if c.RetentionMaxAge == 0 {
		c.RetentionMaxAge = DefaultRetentionMaxAge
	}
	if c.WriteRunningAfter == 0 {
		c.WriteRunningAfter = DefaultWriteRunningAfter
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}
