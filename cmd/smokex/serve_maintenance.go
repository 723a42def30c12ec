//go:build !slim

package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/internal/planvalue"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
)

// maintenanceFlag is serve's --maintenance, repeatable: maintenance
// windows for every plan, as notify.PolicyConfig.Maintenance holds them.
type maintenanceFlag []notify.Window

// maintenanceFields are the fields of --maintenance, as the plan key
// maintenance has them.
var maintenanceFields = []string{"cron", "duration", "tz"}

// String lists the windows as given.
func (m *maintenanceFlag) String() string {
	names := make([]string, len(*m))
	for i, w := range *m {
		names[i] = w.Name
	}
	return strings.Join(names, "; ")
}

// Set adds the window of s.
func (m *maintenanceFlag) Set(s string) error {
	w, err := parseWindow(s)
	if err != nil {
		return err
	}
	*m = append(*m, w)
	return nil
}

// parseWindow reads a window written cron=SPEC,duration=D,tz=ZONE: cron
// and duration required, tz defaulting to UTC. A comma in the cron spec
// (0 2 * * SAT,SUN) stays in it: a part without '=' continues the value
// before it. The error names the field that is wrong.
func parseWindow(s string) (notify.Window, error) {
	fields := map[string]string{}
	var last string
	for _, part := range strings.Split(s, ",") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			if last == "" {
				return notify.Window{}, fmt.Errorf("%q is not cron=SPEC,duration=D,tz=ZONE: %q has no field name", s, part)
			}
			fields[last] += "," + part
			continue
		}
		key = strings.TrimSpace(key)
		switch {
		case !slices.Contains(maintenanceFields, key):
			msg := fmt.Sprintf("unknown field %q", key)
			if near := plan.Suggest(key, maintenanceFields); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			return notify.Window{}, fmt.Errorf("%s; it takes cron, duration and tz", msg)
		}
		if _, dup := fields[key]; dup {
			return notify.Window{}, fmt.Errorf("%s is given twice", key)
		}
		fields[key], last = strings.TrimSpace(value), key
	}
	w := plan.MaintenanceWindow{Cron: strings.TrimSpace(fields["cron"]), TimeZone: fields["tz"]}
	if w.Cron == "" {
		return notify.Window{}, fmt.Errorf("cron is required: when the window opens, as cron=0 2 * * SUN")
	}
	if _, err := cronspec.Parse(w.Cron); err != nil {
		return notify.Window{}, fmt.Errorf("cron %q is not a valid cron spec: %v", w.Cron, err)
	}
	if fields["duration"] == "" {
		return notify.Window{}, fmt.Errorf("duration is required: how long the window lasts, as duration=1h")
	}
	d, err := planvalue.Duration(fields["duration"])
	if err != nil || d <= 0 {
		return notify.Window{}, fmt.Errorf("duration %q is not a positive duration like 30m, 1h or 1d", fields["duration"])
	}
	w.Duration = d
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil {
			return notify.Window{}, fmt.Errorf("tz %q is not a time zone name like Europe/Berlin or UTC", w.TimeZone)
		}
	}
	return notify.Window{Name: w.String(), Cron: w.Cron, Duration: w.Duration, TimeZone: w.TimeZone}, nil
}
