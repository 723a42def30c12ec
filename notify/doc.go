// Package notify is how smokex alerts: a one-method Notifier, the Event it
// is told, and the alert Policy that decides when to tell it.
//
// # Notifiers
//
// A Notifier delivers an Event: the plan (id, name, labels), the execution
// that caused it (with its steps, in the record package's one wire format),
// the Transition (failing, still_failing, recovered, passed, degraded,
// flaky), the first
// failed step with its failures or error, and links to the admin pages.
// The providers are subpackages, each with a Config that validates
// itself, an injected *http.Client and an endpoint that can be pointed
// elsewhere: slack, webhook (signed with HMAC-SHA256; webhook.Verify checks
// it), email (SMTP with STARTTLS), pagerduty (Events API v2), teams
// (workflow webhook, Adaptive Card) and discord (webhook embeds). A host's
// own Notifier is as good as any of them (see the Example), and
// notifytest.Run checks that it behaves. The chat providers escape every
// value that comes from a target or a plan (bodies, errors, headers, URLs,
// names) for their markup, so that a target's answer can neither mention
// anyone nor add a link; notifytest.HostileEvent carries such values.
//
// # The policy
//
// Policy is a record hook: put it in smokex.Config.Hooks, or set
// smokex.Config.Alerts and the engine builds it with its store. It hears
// of every finished execution and keeps, per plan, the failures and passes
// in a row. Rules say when that is news:
//
//   - a plan is failing after AlertAfter failed executions in a row
//     (default 1), and an alert is sent;
//   - a failing plan is recovered after RecoverAfter passed ones (default
//     1), announced unless NoRecoveryAlerts;
//   - with Reminder, a failing plan is announced again (still_failing) at
//     most every Reminder;
//   - with AlertOnSuccess, every passed execution of a plan that is not
//     failing is announced (passed);
//   - with AlertOnDegraded, a plan that turns degraded is announced
//     (degraded);
//   - with FlakyAfter, a plan flaky in Runs of its last Of executions is
//     announced (flaky), once until it is flaky less often.
//
// A plan's depends_on (record.PlanRef.DependsOn) holds its failing alert
// back while a plan it depends on is failing, as the dependency's stored
// state says, so that replicas decide alike: the dependency's alert names
// the dependents failing with it (Event.FailingDependents, found through
// a DependentStore), and a dependent that still fails once the dependency
// recovered alerts then. A dependent whose alert was held recovers
// without an alert.
//
// Canceled and interrupted executions say nothing about the target and are
// not counted. PolicyConfig.Plans overrides the rules per plan; Targets
// route plans to notifiers by label, with fallbacks for plans no label
// routes; maintenance Windows (one-off, or recurring by cron in a time
// zone) make the policy ignore the executions that finish in them, so that
// planned downtime pages no one and leaves no failure behind.
//
// The state lives in PolicyConfig.Store, a StateStore (the memory and
// PostgreSQL stores are one, as storage.AlertStore): it survives restarts,
// and replicas that share it decide one alert, since every save is
// compare-and-swap on a version.
//
// # Delivery
//
// Nothing the policy does slows an execution: ExecutionFinished queues it
// and returns. The policy's goroutine decides, and saves the plan's next
// state together with one delivery owed per target, in one write. When the
// store is an Outbox (the memory and PostgreSQL stores are), that write is
// the promise: an alert is delivered at least once after its transition is
// saved, whether the process stops, is killed or its machine dies before
// delivering it, and once only among replicas sharing the store.
//
// Each target has its own delivery: it claims the oldest alert owed to the
// target from the store, leased to this process (Lease, renewed at every
// attempt and wait), sends it, each attempt bounded by AttemptTimeout,
// retrying network errors, 429 and 5xx answers (after Retry-After when
// given) with a backoff that doubles up to MaxBackoff, up to MaxAttempts,
// and deletes it once delivered or given up; then the next. A target that
// hangs or rate-limits holds back only its own alerts, in order. Alerts
// decided by another replica, or held by a process that died (once its
// lease expired), are found every PollInterval.
//
// Stop decides what is queued and delivers what is owed within its
// context; what it cannot deliver by then stays owed in the store, with
// its attempts and its Retry-After, and is delivered after the next start
// (logged and counted as deferred: Stats, NotificationDeferred). A
// notification that fails for good, or an execution dropped on a full
// queue, is logged and counted (Stats, and the record.NotificationSentHook
// hooks in PolicyConfig.Sent), never lost silently.
//
// At least once means a receiver may see an alert twice: when a process
// dies after the receiver accepted the alert and before the store heard of
// it, or when an attempt outlives its lease. Event.ID is the same on every
// delivery of an alert, so that a receiver can tell.
package notify
