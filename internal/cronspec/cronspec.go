package cronspec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	cron "github.com/netresearch/go-cron"
)

// Parser is the parser every smokex scheduler uses.
func Parser() cron.Parser {
	return cron.MustNewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// Parse parses spec. Besides the syntax it rejects specs that never fire
// (February 30th) and @every intervals that are not whole seconds, which
// the cron parser would otherwise round silently.
func Parse(spec string) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty schedule")
	}
	if d, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every "); ok {
		every, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("@every takes a duration such as 30s or 5m: %v", err)
		}
		if every < time.Second || every%time.Second != 0 {
			return nil, fmt.Errorf("@every takes a whole number of seconds, at least 1s, got %s", every)
		}
	}
	s, err := Parser().Parse(spec)
	if err != nil {
		return nil, err
	}
	if s.Next(time.Now()).IsZero() {
		return nil, errors.New("the schedule never fires")
	}
	return s, nil
}

// Window is a recurring window: it opens at each time of a schedule, read
// in a time zone, and stays open for a duration. The maintenance windows
// of plans (package plan) and of the alert policy (package notify) are
// such windows.
type Window struct {
	sched cron.Schedule
	loc   *time.Location
	dur   time.Duration
}

// NewWindow returns the window that opens at each time of sched, read in
// loc (nil is UTC), for dur, which must be positive.
func NewWindow(sched cron.Schedule, loc *time.Location, dur time.Duration) Window {
	if loc == nil {
		loc = time.UTC
	}
	return Window{sched: sched, loc: loc, dur: dur}
}

// Holds reports whether the window is open at t: a start falls in
// (t-dur, t]. The zero Window never holds.
func (w Window) Holds(t time.Time) bool {
	if w.sched == nil {
		return false
	}
	next := w.sched.Next(t.Add(-w.dur).In(w.loc))
	return !next.IsZero() && !next.After(t)
}
