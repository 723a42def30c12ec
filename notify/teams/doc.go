// Package teams is the Microsoft Teams notifier: it posts each alert to a
// Teams workflow webhook (the successor of the retired Office 365
// connectors) as an Adaptive Card, with the plan and what changed, the
// execution's times, the failed step with expected and received values,
// and buttons to the admin pages.
package teams
