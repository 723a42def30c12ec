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
