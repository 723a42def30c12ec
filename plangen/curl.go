package plangen

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/http/httpguts"
)

// CurlError is a curl command that FromCurl cannot read, with the place of
// the problem: the index of the argument, counted from curl's own name at
// 0.
type CurlError struct {
	Arg     int
	Message string
}

// Error names the argument, when there is one, and the problem.
func (e *CurlError) Error() string {
	if e.Arg < 0 {
		return "curl command: " + e.Message
	}
	return fmt.Sprintf("curl command, argument %d: %s", e.Arg, e.Message)
}

// maxCurlArgs bounds the arguments of a command.
const maxCurlArgs = 10000

// Curl is a curl command read by ParseCurl: the request it sends.
type Curl struct {
	Method string
	URL    string
	// Headers in the order given; a name may repeat.
	Headers []Header
	// Body is the data of -d, --data... joined with & as curl joins them,
	// or of --json; Form tells that curl would send it as
	// application/x-www-form-urlencoded.
	Body    string
	HasBody bool
	JSON    bool
	// User and Password are those of -u.
	User, Password string
	HasUser        bool
	// Cookie is the value of -b when it is name=value pairs.
	Cookie          string
	Insecure        bool
	FollowRedirects bool
}

// Header is a request header.
type Header struct {
	Name, Value string
}

// ParseCurl reads a curl command line as a shell would split it (single
// and double quotes, backslashes, line continuations) and the options that
// shape the request: -X, -H, -d/--data/--data-raw/--data-binary/--data-ascii,
// --data-urlencode, --json, -u, -b, -A, -e, -k, -L, -G, -I, --url, and the
// options that only change curl's output, which are ignored. An option
// that changes the request in a way a plan does not express is an error
// naming it.
func ParseCurl(command string) (*Curl, error) {
	args, err := splitShell(command)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || args[0] != "curl" {
		return nil, &CurlError{Arg: -1, Message: "it must start with curl"}
	}
	if len(args) > maxCurlArgs {
		return nil, &CurlError{Arg: -1, Message: fmt.Sprintf("more than %d arguments", maxCurlArgs)}
	}
	c := &Curl{}
	var data []string
	var get, head bool
	var urls []string
	for i := 1; i < len(args); i++ {
		arg := args[i]
		at := i
		// value returns the option's value: the rest of a short option
		// (-XPOST), after = of a long one, or the next argument.
		value := func(name, attached string, hasAttached bool) (string, error) {
			if hasAttached {
				return attached, nil
			}
			if i+1 >= len(args) {
				return "", &CurlError{Arg: at, Message: name + " needs a value"}
			}
			i++
			return args[i], nil
		}
		var name, attached string
		var hasAttached bool
		switch {
		case arg == "--":
			urls = append(urls, args[i+1:]...)
			i = len(args)
			continue
		case strings.HasPrefix(arg, "--"):
			name, attached, hasAttached = strings.Cut(arg, "=")
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			// Short options may be grouped (-sSL); one taking a value ends
			// the group, the rest being its value (-XPOST).
			j := 1
			for ; j < len(arg); j++ {
				f := "-" + string(arg[j])
				if !flagTakesValue(f) {
					if err := c.setSwitch(f, at, &get, &head); err != nil {
						return nil, err
					}
					continue
				}
				name = f
				if j+1 < len(arg) {
					attached, hasAttached = arg[j+1:], true
				}
				break
			}
			if name == "" {
				continue
			}
		default:
			urls = append(urls, arg)
			continue
		}
		if !flagTakesValue(name) {
			if hasAttached {
				return nil, &CurlError{Arg: at, Message: name + " takes no value"}
			}
			if err := c.setSwitch(name, at, &get, &head); err != nil {
				return nil, err
			}
			continue
		}
		v, err := value(name, attached, hasAttached)
		if err != nil {
			return nil, err
		}
		switch name {
		case "-X", "--request":
			c.Method = strings.ToUpper(v)
			switch c.Method {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
				http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect:
			default:
				return nil, &CurlError{Arg: at, Message: fmt.Sprintf("method %q is not one a plan sends (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE, CONNECT)", v)}
			}
		case "-H", "--header":
			hn, hv, ok := strings.Cut(v, ":")
			hn = strings.TrimSpace(hn)
			if !ok || hn == "" || strings.ContainsFunc(hn, unicode.IsSpace) {
				return nil, &CurlError{Arg: at, Message: fmt.Sprintf("header %q must be Name: value", v)}
			}
			if !httpguts.ValidHeaderFieldName(hn) || len(hn) > MaxFieldName {
				return nil, &CurlError{Arg: at, Message: fmt.Sprintf("header name %q is not one HTTP allows", hn)}
			}
			c.Headers = append(c.Headers, Header{Name: hn, Value: strings.TrimSpace(hv)})
		case "-d", "--data", "--data-raw", "--data-binary", "--data-ascii":
			if strings.HasPrefix(v, "@") && name != "--data-raw" {
				return nil, &CurlError{Arg: at, Message: name + " " + v + " reads a file; put its content in the command, or write the body in the plan"}
			}
			data = append(data, v)
		case "--data-urlencode":
			n, val, ok := strings.Cut(v, "=")
			if ok {
				data = append(data, n+"="+url.QueryEscape(val))
			} else {
				data = append(data, url.QueryEscape(v))
			}
		case "--json":
			if strings.HasPrefix(v, "@") {
				return nil, &CurlError{Arg: at, Message: "--json " + v + " reads a file; put the JSON in the command"}
			}
			data = append(data, v)
			c.JSON = true
		case "-u", "--user":
			c.User, c.Password, _ = strings.Cut(v, ":")
			c.HasUser = true
		case "-b", "--cookie":
			if !strings.Contains(v, "=") {
				return nil, &CurlError{Arg: at, Message: "-b " + v + " reads a cookie file; give the cookies as name=value"}
			}
			if c.Cookie != "" {
				c.Cookie += "; "
			}
			c.Cookie += v
		case "-A", "--user-agent":
			c.Headers = append(c.Headers, Header{Name: "User-Agent", Value: v})
		case "-e", "--referer":
			c.Headers = append(c.Headers, Header{Name: "Referer", Value: v})
		case "--url":
			urls = append(urls, v)
		default:
			// Options with a value that only shape curl's own output or
			// connection.
		}
	}
	switch len(urls) {
	case 0:
		return nil, &CurlError{Arg: -1, Message: "no URL"}
	case 1:
	default:
		return nil, &CurlError{Arg: -1, Message: fmt.Sprintf("%d URLs; a step sends one request: give one", len(urls))}
	}
	raw := urls[0]
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &CurlError{Arg: -1, Message: fmt.Sprintf("%q is not an http or https URL", urls[0])}
	}
	if len(data) > 0 {
		body := strings.Join(data, "&")
		if get {
			if u.RawQuery != "" {
				u.RawQuery += "&"
			}
			u.RawQuery += body
		} else {
			c.Body, c.HasBody = body, true
		}
	}
	c.URL = u.String()
	if _, err := url.Parse(c.URL); err != nil {
		return nil, &CurlError{Arg: -1, Message: fmt.Sprintf("the URL with the data of -G is not a URL: %v", err)}
	}
	if c.Method == "" {
		switch {
		case head:
			c.Method = "HEAD"
		case c.HasBody:
			c.Method = "POST"
		default:
			c.Method = "GET"
		}
	}
	return c, nil
}

// valueFlags are the options that take a value; the others are switches.
var valueFlags = map[string]bool{
	"-X": true, "--request": true, "-H": true, "--header": true,
	"-d": true, "--data": true, "--data-raw": true, "--data-binary": true, "--data-ascii": true, "--data-urlencode": true, "--json": true,
	"-u": true, "--user": true, "-b": true, "--cookie": true, "-A": true, "--user-agent": true, "-e": true, "--referer": true, "--url": true,
	"-o": true, "--output": true, "-m": true, "--max-time": true, "--connect-timeout": true, "-w": true, "--write-out": true,
	"--retry": true, "-c": true, "--cookie-jar": true,
}

func flagTakesValue(name string) bool { return valueFlags[name] }

// setSwitch applies an option without a value.
func (c *Curl) setSwitch(name string, at int, get, head *bool) error {
	switch name {
	case "-k", "--insecure":
		c.Insecure = true
	case "-L", "--location":
		c.FollowRedirects = true
	case "-G", "--get":
		*get = true
	case "-I", "--head":
		*head = true
	case "-s", "--silent", "-S", "--show-error", "-v", "--verbose", "-i", "--include", "--compressed", "-f", "--fail",
		"-#", "--progress-bar", "--no-progress-meter", "-N", "--no-buffer", "--http1.1", "--http2", "-g", "--globoff":
	default:
		return &CurlError{Arg: at, Message: fmt.Sprintf("unknown or unsupported option %s", name)}
	}
	return nil
}

// splitShell splits a command line as a POSIX shell does, without
// expanding anything: single quotes keep everything, double quotes keep
// all but \" \\ \$ \`, a backslash outside quotes escapes the next
// character, and a backslash before a newline joins the lines.
func splitShell(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 >= len(rs) {
				return nil, &CurlError{Arg: -1, Message: "the command ends with a lone backslash"}
			}
			i++
			if rs[i] == '\n' {
				continue
			}
			cur.WriteRune(rs[i])
			inArg = true
		case r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, &CurlError{Arg: -1, Message: "a single quote is not closed"}
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
			inArg = true
		case r == '"':
			i++
			closed := false
			for ; i < len(rs); i++ {
				if rs[i] == '"' {
					closed = true
					break
				}
				if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`\n", rs[i+1]) {
					i++
					if rs[i] == '\n' {
						continue
					}
				}
				cur.WriteRune(rs[i])
			}
			if !closed {
				return nil, &CurlError{Arg: -1, Message: "a double quote is not closed"}
			}
			inArg = true
		case unicode.IsSpace(r):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("curl command: it is empty")
	}
	return args, nil
}
