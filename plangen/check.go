package plangen

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/smokex/smokex/plan"
)

// statusCode is an expected status a check takes.
var statusCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[1-5]([0-9][0-9]|xx)$`) })

// NewCheck writes the plan of a one-step check: method (GET when empty)
// to rawURL, expecting status (an integer or a class like 2xx; any 2xx
// when empty).
func NewCheck(method, rawURL, status string) (*Plan, error) {
	method = strings.ToUpper(strings.TrimSpace(method))
	if method == "" {
		method = "GET"
	}
	if !plan.IsMethod(method) {
		return nil, fmt.Errorf("plangen: method %q is not one a plan sends (%s)", method, strings.Join(strings.Fields(strings.ToUpper(plan.MethodKeys)), ", "))
	}
	rawURL = strings.TrimSpace(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("plangen: %q is not an http or https URL", rawURL)
	}
	status = strings.ToLower(strings.TrimSpace(status))
	if status != "" && !statusCode().MatchString(status) {
		return nil, fmt.Errorf("plangen: expected status %q must be a code from 100 to 599 or a class like 2xx", status)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	answers := "a 2xx status"
	if status != "" {
		answers = "status " + status
	}
	return &Plan{
		Name:     Name(method, rawURL),
		Comments: []string{fmt.Sprintf("A one-step check: %s %s answers %s.", method, u.Redacted(), answers)},
		Steps:    []Step{{Name: method + " " + path, Method: method, URL: rawURL, Status: status}},
	}, nil
}
