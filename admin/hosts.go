package admin

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// HostCheck returns h behind a check of the request's Host header, which
// shuts out DNS rebinding: a page on a name that its owner points at the
// handler's address would otherwise send requests that the browser takes
// for same-origin ones, and read the answers. h answers only requests whose
// Host (without its port, in any case, a final dot ignored) is
//
//   - an IP address, which rebinding cannot use;
//   - localhost or a name under .localhost;
//   - one of hosts: a name, or a name with a leading dot for the domain and
//     every name under it (".example.com").
//
// Any other request is answered 403 with {"error": "..."} naming the host
// and saying how to allow it: howToAllow, such as "add it to
// admin.Config.AllowedHosts". Config.AllowedHosts applies this check to
// the handler of New; a host that serves more than that handler on the
// same address wraps its whole mux instead.
func HostCheck(h http.Handler, hosts []string, howToAllow string) http.Handler {
	exact := map[string]bool{}
	var suffixes []string
	for _, name := range hosts {
		name = normalHost(name)
		switch {
		case name == "" || name == ".":
		case strings.HasPrefix(name, "."):
			suffixes = append(suffixes, name)
			exact[name[1:]] = true
		default:
			exact[name] = true
		}
	}
	allowed := func(host string) bool {
		name := normalHost(host)
		if exact[name] || name == "localhost" || strings.HasSuffix(name, ".localhost") || net.ParseIP(name) != nil {
			return true
		}
		for _, s := range suffixes {
			if strings.HasSuffix(name, s) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allowed(r.Host) {
			h.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusForbidden, fmt.Sprintf(
			"refused: the request is for the host %q, which this server is not known by; a web page on another name may be trying to reach it (DNS rebinding). If that is this server's name, %s",
			r.Host, howToAllow))
	})
}

// normalHost is the name of a Host header value or of an allowed host:
// without its port and brackets, lower-case, without a final dot.
func normalHost(host string) string {
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}
