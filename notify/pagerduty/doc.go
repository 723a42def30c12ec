// Package pagerduty is the PagerDuty notifier, over the Events API v2: a
// plan that becomes failing triggers an alert with the dedup key
// "smokex/<plan id>" (a reminder triggers the same key, which PagerDuty
// folds into the open incident), and its recovery resolves it. Events of
// passed executions are not sent.
package pagerduty
