package notify

import (
	"context"
	"time"

	"github.com/smokex/smokex/record"
)

// locationSendTimeout bounds the delivery of a location event to a
// target, its retries included.
const locationSendTimeout = time.Minute

// LocationChanged announces that location became unavailable (with why)
// or available again, to every target that hears of plans without
// labels. The caller decides it once for every process sharing the
// store (storage.HeartbeatStore.SetLocationAvailable); the event is
// delivered at once, in the background, and is not kept in the store: a
// process that dies meanwhile loses it.
func (p *Policy) LocationChanged(location string, available bool, reason string, at time.Time) {
	t := TransitionLocationUnavailable
	if available {
		t = TransitionLocationAvailable
	}
	e := &Event{ID: "location:" + location + ":" + string(t) + ":" + at.UTC().Format(time.RFC3339),
		Transition: t, Time: at, Location: location, Reason: reason,
		Plan: record.PlanRef{Name: "location " + location}}
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	if p.closed {
		return
	}
	targets := p.route(e)
	if len(targets) == 0 {
		p.log.Warn("notify: no target hears about locations; alert not sent", "location", location, "transition", t)
	}
	p.log.Info("notify: location "+t.Title(), "location", location, "reason", reason)
	for _, tg := range targets {
		p.workers.Go(func() {
			ctx, cancel := context.WithTimeout(p.ctx, locationSendTimeout)
			defer cancel()
			if err := tg.Notifier.Notify(ctx, e); err != nil {
				p.log.Error("notify: location alert not delivered", "location", location, "target", tg.Name, "error", err)
			}
		})
	}
}
