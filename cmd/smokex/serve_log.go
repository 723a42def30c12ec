//go:build !slim

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/smokex/smokex/internal/redact"
)

// The environment variables whose values serve masks in its log besides
// those of its flags: the OTLP endpoints' user info and the OTLP headers'
// values, which the exporters also read themselves.
var (
	otlpEndpointEnvs = []string{otlpEndpointEnv, otlpTracesEndpointEnv, otlpMetricsEndpointEnv}
	otlpHeadersEnvs  = []string{otlpHeadersEnv, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"}
)

// newServeLog is serve's logger on w: every line of it, message and
// attributes, with the credentials of serve's configuration masked (see
// logSecrets).
func (f *serveFlags) newServeLog(w io.Writer, lookupEnv func(string) (string, bool)) *slog.Logger {
	h := slog.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: f.logLevel}))
	if rd := redact.New(f.logSecrets(lookupEnv)); rd != nil {
		h = &redactHandler{next: h, rd: rd}
	}
	return slog.New(h)
}

// logSecrets are the values serve never logs: the user info of the OTLP
// endpoints and the database URL, from their flags and from the
// environment (the whole of it and the password; a user name that stands
// alone too, as a token does, except in the database URL, where it is the
// role's name: masking "postgres" would mask every mention of the store); the values of the OTLP headers; the auth token; and
// the credentials of --sync: its URL's user info, SMOKEX_GIT_TOKEN,
// SMOKEX_GIT_SSH_KEY and SMOKEX_SYNC_WEBHOOK_SECRET.
func (f *serveFlags) logSecrets(lookupEnv func(string) (string, bool)) []string {
	var out []string
	credentials := func(raw string, loneUserIsSecret bool) {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.User == nil {
			return
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, u.User.String(), pw)
		} else if loneUserIsSecret {
			out = append(out, u.User.String(), u.User.Username())
		}
	}
	userInfo := func(raw string) { credentials(raw, true) }
	userInfo(f.metrics.otlpEndpoint)
	credentials(f.db.url, false)
	for _, name := range otlpEndpointEnvs {
		if v, ok := lookupEnv(name); ok {
			userInfo(v)
		}
	}
	for _, name := range otlpHeadersEnvs {
		v, _ := lookupEnv(name)
		for pair := range strings.SplitSeq(v, ",") {
			_, value, ok := strings.Cut(pair, "=")
			if value = strings.TrimSpace(value); !ok || value == "" {
				continue
			}
			out = append(out, value)
			if dv, err := url.QueryUnescape(value); err == nil {
				out = append(out, dv)
			}
		}
	}
	if f.admin.authToken != "" {
		out = append(out, f.admin.authToken)
	}
	userInfo(strings.TrimPrefix(f.sync.source, "git+"))
	for _, name := range []string{gitTokenEnv, gitSSHKeyEnv, syncWebhookEnv} {
		if v, ok := lookupEnv(name); ok && strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// redactHandler masks secrets in the message and every attribute of the
// records it hands to next, groups and attributes added by With included.
type redactHandler struct {
	next slog.Handler
	rd   *redact.Redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.rd.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(masked), rd: h.rd}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(h.rd.String(name)), rd: h.rd}
}

// attr is a with its key and value masked; a value of another kind than
// a string is masked in the text the handler would write for it.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	a.Key = h.rd.String(a.Key)
	v := a.Value.Resolve()
	var text string
	switch v.Kind() {
	case slog.KindGroup:
		group := v.Group()
		masked := make([]slog.Attr, len(group))
		for i, g := range group {
			masked[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(masked...)}
	case slog.KindString:
		text = v.String()
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			text = err.Error()
		} else {
			text = fmt.Sprintf("%+v", v.Any())
		}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
	if masked := h.rd.String(text); masked != text || v.Kind() == slog.KindString {
		return slog.String(a.Key, masked)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
