// Package discord is the Discord notifier: it posts each alert to a
// channel webhook as an embed, colored by what changed, with the
// execution's times, the failed step with expected and received values,
// and links to the admin pages. Mentions are disabled, so that nothing
// a target answered can ping a channel.
package discord
