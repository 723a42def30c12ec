// Package email is the e-mail notifier: one message per alert over SMTP,
// upgraded with STARTTLS (required unless AllowPlaintext, and always
// before AUTH PLAIN), with a text and an HTML part. ParseURL reads the
// configuration from a URL such as SMOKEX_SMTP_URL holds. A 4xx reply is
// retried by the policy's delivery; a 5xx reply is not.
package email
