package planvalue

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smokex/smokex/internal/eval"
)

// MaxTimeout is the longest timeout an option may ask for, about 146
// years: far beyond any use, and short enough that a deadline computed from
// it cannot overflow.
const MaxTimeout = time.Duration(1 << 62)

// ErrTimeoutTooLarge is the error of Timeout for a timeout longer than
// MaxTimeout.
var ErrTimeoutTooLarge = errors.New("timeout is too large: the most is " + MaxTimeoutText)

// MaxTimeoutText is MaxTimeout as messages give it.
var MaxTimeoutText = fmt.Sprintf("%d milliseconds (about 146 years)", MaxTimeout/time.Millisecond)

// durationSyntax matches what time.ParseDuration reads, so that a duration
// it refuses as too large is told apart from one that is malformed.
var durationSyntax = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)
})

// Timeout reads a timeout as the format writes it: an integer of
// milliseconds or a Go duration ("2s", "500ms"). A timeout longer than
// MaxTimeout is ErrTimeoutTooLarge. A timeout of zero or less is returned
// without an error, at least -MaxTimeout, for the caller to refuse as not
// positive.
func Timeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	negative := strings.HasPrefix(s, "-")
	ms, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err == nil && ms > int64(MaxTimeout/time.Millisecond),
		errors.Is(err, strconv.ErrRange) && !negative:
		return 0, ErrTimeoutTooLarge
	case err == nil:
		return max(time.Duration(ms)*time.Millisecond, -MaxTimeout), nil
	case errors.Is(err, strconv.ErrRange):
		return -MaxTimeout, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err == nil && d > MaxTimeout,
		err != nil && !negative && durationSyntax().MatchString(s):
		return 0, ErrTimeoutTooLarge
	case err != nil && negative && durationSyntax().MatchString(s):
		return -MaxTimeout, nil
	}
	return max(d, -MaxTimeout), err
}

// Bool reads a boolean option as the format writes it: true or false, and
// YAML 1.1's yes, no, on and off, in any case.
func Bool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// StatusWant says what a status_code may be, for messages.
const StatusWant = "status_code must be an integer, a list of integers or a class like 2xx"

// StatusItem reads one code ("200") or class ("2xx"): it returns the code,
// or the class's first digit with class true.
func StatusItem(text string) (n int, class, ok bool) {
	v := strings.TrimSpace(text)
	if len(v) == 3 && v[0] >= '1' && v[0] <= '5' && strings.EqualFold(v[1:], "xx") {
		return int(v[0] - '0'), true, true
	}
	code, err := strconv.Atoi(v)
	if err != nil || code < 100 || code > 599 {
		return 0, false, false
	}
	return code, false, true
}

// Status reads the value of a status_code template when the step runs: a
// code (200 or "200"), a class ("2xx") or a list of them.
func Status(v any) (codes, classes []int, err error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("%s, got an empty list", StatusWant)
	}
	for _, item := range items {
		var text string
		switch x := item.(type) {
		case string:
			text = x
		case int, int64, int32, uint, uint64, uint32:
			text = fmt.Sprint(x)
		case float64:
			if x != float64(int(x)) {
				return nil, nil, fmt.Errorf("%s, got %s", StatusWant, eval.Format(v))
			}
			text = strconv.Itoa(int(x))
		}
		n, class, ok := StatusItem(text)
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("%s, got %s", StatusWant, eval.Format(v))
		case class:
			classes = append(classes, n)
		default:
			codes = append(codes, n)
		}
	}
	return codes, classes, nil
}

// daysSyntax is a number of days leading a duration: "14d", "1.5d", "1d12h".
var daysSyntax = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)d(.*)$`)

// Duration reads a duration as the format writes it: Go's units (h, m, s,
// ms, ...) and d for days of 24 hours, alone or leading ("14d", "1d12h",
// "36h"). It refuses a negative duration or one longer than MaxTimeout.
func Duration(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	var d time.Duration
	rest := text
	if m := daysSyntax.FindStringSubmatch(text); m != nil {
		days, err := strconv.ParseFloat(m[1], 64)
		if err != nil || days*24 > float64(MaxTimeout/time.Hour) {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		d, rest = time.Duration(days*24*float64(time.Hour)), m[2]
	}
	if rest != "" || d == 0 && text != "0" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, fmt.Errorf("%q is not a duration like 14d, 36h, 30m or 10s", s)
		}
		d += r
	}
	if d < 0 || d > MaxTimeout {
		return 0, fmt.Errorf("duration %q is too large", s)
	}
	return d, nil
}

// FormatDays writes d for a person in days and hours ("9 days 23 h",
// "1 day", "5 h 12 min", "40 s"), rounded down to the largest two units;
// a negative d is written as its absolute value.
func FormatDays(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days, hours := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
	mins, secs := int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + many
	}
	switch {
	case days > 0 && hours > 0:
		return unit(days, "day", "days") + " " + strconv.FormatInt(hours, 10) + " h"
	case days > 0:
		return unit(days, "day", "days")
	case hours > 0 && mins > 0:
		return strconv.FormatInt(hours, 10) + " h " + strconv.FormatInt(mins, 10) + " min"
	case hours > 0:
		return strconv.FormatInt(hours, 10) + " h"
	case mins > 0:
		return strconv.FormatInt(mins, 10) + " min"
	}
	return strconv.FormatInt(secs, 10) + " s"
}
