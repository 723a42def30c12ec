// Package slo counts a plan's executions against its service level
// objective (the plan key slo) into a record.ErrorBudget: the uptime over
// the window, the error budget left and the burn rates; and it holds the
// multiwindow burn-rate rule of Google's SRE workbook that the alert
// policy applies (notify.Rules.BurnRateAlerts). It imports only the
// records: the engine reads the executions (smokex.Engine.ErrorBudget).
//
// The budget is counted in executions: the failed share of the window's
// executions that passed, degraded or failed (canceled ones and those in a
// maintenance window leave the count), spread over the window. A plan that
// runs every minute and failed 20 times in 30 days has spent 20 of its 43.2
// minutes at 99.9%.
package slo
