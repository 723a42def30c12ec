// Package markup escapes text for the markup of the chat providers, so
// that a value that comes from a target (a response body, an error, a
// header, a URL, a plan name) is shown as the text it is and never read
// as a mention, a link or formatting.
package markup
