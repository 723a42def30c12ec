// Package httpsend posts the notifiers' payloads and turns the answers
// into the errors delivery understands.
//
// It is what the HTTP providers (slack, teams, discord, pagerduty,
// webhook) share: the post with its error mapping (a *notify.StatusError
// for an answer that is not 2xx, notify.ErrPermanent for what retrying
// cannot fix, endpoints reduced to their host in messages), the check of
// an endpoint URL and the bounding of a text to a field's limit.
package httpsend
