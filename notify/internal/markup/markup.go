package markup

import "strings"

// slack escapes the three characters Slack's mrkdwn reads as control
// sequences; with them escaped, neither a mention (<!channel>) nor a link
// (<https://example.com|text>) can be written.
var slack = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Slack returns s escaped for Slack's mrkdwn, and for the top-level text
// of a message, which Slack reads as mrkdwn too.
func Slack(s string) string { return slack.Replace(s) }

// markdown puts a backslash before each character that the markdown of
// Teams' Adaptive Cards and of Discord reads as markup: emphasis, code,
// links ([text](url)), autolinks and mentions (<...>), headings, quotes,
// spoilers and lists. Both read a backslash before punctuation as the
// character itself.
var markdown = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
	">", `\>`, "<", `\<`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"#", `\#`, "-", `\-`, "+", `\+`, "!", `\!`,
)

// Markdown returns s escaped for the markdown of Teams' Adaptive Cards
// and Discord's embeds.
func Markdown(s string) string { return markdown.Replace(s) }
