// Package cronspec parses the schedule specs of plans, so that the plan
// validator and the schedulers agree on one syntax: five cron fields with an
// optional leading seconds field, the descriptors @yearly, @monthly,
// @weekly, @daily, @hourly and @every <duration>, and a CRON_TZ= or TZ=
// prefix. ForEntry gives the due times of a scheduler's entry on a spec,
// the one computation the schedulers share: an "@every" entry's are
// spread over its interval by the entry's id.
package cronspec
