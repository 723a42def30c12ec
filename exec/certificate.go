package exec

import (
	"crypto/tls"
	"net/http"
	"slices"
	"time"

	"github.com/smokex/smokex/internal/planvalue"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// tlsOf records the TLS connection resp came over: its version and the
// server's leaf certificate, whether or not it was verified. Nil for a
// response over plain HTTP.
func tlsOf(resp *http.Response) *record.TLS {
	cs := resp.TLS
	if cs == nil {
		return nil
	}
	t := &record.TLS{Version: tls.VersionName(cs.Version)}
	if len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		host := ""
		if resp.Request != nil && resp.Request.URL != nil {
			host = resp.Request.URL.Hostname()
		}
		t.Certificate = &record.Certificate{
			Host:      host,
			Subject:   leaf.Subject.String(),
			Issuer:    leaf.Issuer.String(),
			DNSNames:  slices.Clone(leaf.DNSNames),
			NotBefore: leaf.NotBefore.UTC(),
			NotAfter:  leaf.NotAfter.UTC(),
		}
	}
	return t
}

// checkCertificate checks expect certificate against the recorded leaf
// certificate.
func (c *checker) checkCertificate(exp *plan.CertificateExpect) {
	var cert *record.Certificate
	if c.res.TLS != nil {
		cert = c.res.TLS.Certificate
	}
	if cert == nil {
		host := ""
		if c.resp.Request != nil {
			host = c.resp.Request.URL.Hostname()
		}
		for _, pr := range exp.ExpiresIn {
			c.failAt(pr.Pos, record.Failure{Type: record.FailureCertificate, Name: host, Expected: durationWant(pr), Received: "has none: the response came over plain HTTP"})
		}
		return
	}
	left := cert.ExpiresIn(time.Now())
	for _, pr := range exp.ExpiresIn {
		if !pr.Holds(left) {
			c.failAt(pr.Pos, record.Failure{Type: record.FailureCertificate, Name: cert.Host, Expected: durationWant(pr), Received: expiresText(cert, left)})
		}
	}
}

// expiresText says when a certificate expires, for a person: "expires in
// 9 days 23 h (2026-12-15 14:38 UTC)" or "expired 2 days 3 h ago (...)".
func expiresText(cert *record.Certificate, left time.Duration) string {
	when := " (" + cert.NotAfter.UTC().Format("2006-01-02 15:04 UTC") + ")"
	if left < 0 {
		return "expired " + planvalue.FormatDays(left) + " ago" + when
	}
	return "expires in " + planvalue.FormatDays(left) + when
}

// durationWant says what a duration predicate expects: "more than 14 days".
func durationWant(pr plan.DurationPredicate) string {
	d := planvalue.FormatDays(pr.Value)
	switch pr.Op {
	case plan.OpGreaterOrEqual:
		return "at least " + d
	case plan.OpLessThan:
		return "less than " + d
	case plan.OpLessOrEqual:
		return "at most " + d
	}
	return "more than " + d
}

// certificateScope is the certificate of expressions: not_after (a time),
// expires_in_days (a number), subject, issuer and dns_names; nil over
// plain HTTP.
func certificateScope(t *record.TLS) any {
	if t == nil || t.Certificate == nil {
		return nil
	}
	cert := t.Certificate
	names := make([]any, len(cert.DNSNames))
	for i, n := range cert.DNSNames {
		names[i] = n
	}
	return map[string]any{
		"not_after":       cert.NotAfter,
		"expires_in_days": cert.ExpiresIn(time.Now()).Hours() / 24,
		"subject":         cert.Subject,
		"issuer":          cert.Issuer,
		"dns_names":       names,
	}
}

// tlsScope is the tls of expressions: version ("TLS 1.3"); nil over plain
// HTTP.
func tlsScope(t *record.TLS) any {
	if t == nil {
		return nil
	}
	return map[string]any{"version": t.Version}
}
