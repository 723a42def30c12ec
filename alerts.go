package smokex

import (
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// newAlerts builds the policy of cfg.Alerts, when set, and returns it with
// the hooks it joins.
func newAlerts(cfg Config, store storage.Store) (*notify.Policy, []record.Hook, error) {
	if cfg.Alerts == nil {
		return nil, cfg.Hooks, nil
	}
	pc := *cfg.Alerts
	if pc.Store == nil {
		if as, ok := store.(storage.AlertStore); ok {
			pc.Store = as
		}
	}
	if pc.Logger == nil {
		pc.Logger = cfg.Logger
	}
	pc.Sent = append([]record.NotificationSentHook(nil), pc.Sent...)
	for _, h := range cfg.Hooks {
		if s, ok := h.(record.NotificationSentHook); ok {
			pc.Sent = append(pc.Sent, s)
		}
	}
	if pc.Now == nil {
		pc.Now = cfg.now
	}
	p, err := notify.NewPolicy(pc)
	if err != nil {
		return nil, nil, err
	}
	hooks := append(append([]record.Hook(nil), cfg.Hooks...), p)
	return p, hooks, nil
}

// Alerts returns the alert policy built from Config.Alerts, nil when it
// was not set: its Stats count what it decided and delivered.
func (e *Engine) Alerts() *notify.Policy { return e.alerts }
