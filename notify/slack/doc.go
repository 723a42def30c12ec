// Package slack is the Slack notifier: it posts each alert to an incoming
// webhook as a Block Kit message, with a header naming the plan and what
// changed, the execution's times and trigger, the failed step with
// expected and received values, and buttons to the admin pages when the
// policy has a base URL.
package slack
