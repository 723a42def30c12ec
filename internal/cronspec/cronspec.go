// Package cronspec parses the schedule specs of plans, so that the plan
// validator and the schedulers agree on one syntax: five cron fields with an
// optional leading seconds field, the descriptors @yearly, @monthly,
// @weekly, @daily, @hourly and @every <duration>, and a CRON_TZ= or TZ=
// prefix.
package cronspec

import (
	"errors"
	"strings"

	cron "github.com/netresearch/go-cron"
)

// Parser is the parser every smokex scheduler uses.
func Parser() cron.Parser {
	return cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// Parse parses spec.
func Parse(spec string) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty schedule")
	}
	return Parser().Parse(spec)
}
