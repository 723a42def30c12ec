package plangen

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// The secrets FromCurl makes of a command's credentials.
const (
	SecretAuthorization = "AUTHORIZATION"
	SecretCookie        = "COOKIE"
	SecretPassword      = "CURL_PASSWORD"
)

// FromCurl turns a curl command into a one-step plan that sends the same
// request and expects a 2xx status. An Authorization header, cookies, the
// password of -u and the headers and query parameters named as
// credentials (X-API-Key, api_key, access_token, ...: secrets named after
// them, X_API_KEY) become secrets
// (their values in SecretValues, never in the plan): set them in the
// environment the plan runs in.
func FromCurl(command string) (*Plan, error) {
	c, err := ParseCurl(command)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL)
	p := &Plan{
		Name:         Name(c.Method, c.URL),
		Comments:     []string{"Written by smokex new --from-curl: one step that sends the command's request."},
		SecretValues: map[string]string{},
	}
	s := Step{Name: c.Method + " " + u.EscapedPath(), Method: c.Method, URL: c.URL, Insecure: c.Insecure, FollowRedirects: c.FollowRedirects, Status: "2xx"}
	if s.Name == c.Method+" " {
		s.Name = c.Method + " /"
	}
	secret := func(name, value string) {
		if _, ok := p.SecretValues[name]; !ok {
			p.Secrets = append(p.Secrets, name)
		}
		p.SecretValues[name] = value
	}
	has := map[string]bool{}
	for _, h := range c.Headers {
		key := http.CanonicalHeaderKey(h.Name)
		has[key] = true
		switch key {
		case "Authorization":
			secret(SecretAuthorization, h.Value)
			s.Headers = append(s.Headers, StepHeader{Name: h.Name, Template: "${" + SecretAuthorization + "}"})
		case "Cookie":
			secret(SecretCookie, h.Value)
			s.Headers = append(s.Headers, StepHeader{Name: h.Name, Template: "${" + SecretCookie + "}"})
		default:
			if name, ok := credentialSecret(h.Name); ok {
				secret(name, h.Value)
				s.Headers = append(s.Headers, StepHeader{Name: h.Name, Template: "${" + name + "}"})
				continue
			}
			s.Headers = append(s.Headers, StepHeader{Name: h.Name, Value: h.Value})
		}
	}
	if c.Cookie != "" && !has["Cookie"] {
		secret(SecretCookie, c.Cookie)
		s.Headers = append(s.Headers, StepHeader{Name: "Cookie", Template: "${" + SecretCookie + "}"})
	}
	if c.HasUser && !has["Authorization"] {
		p.Vars = append(p.Vars, Var{Name: "user", Value: c.User})
		secret(SecretPassword, c.Password)
		s.Headers = append(s.Headers, StepHeader{Name: "Authorization", Template: `Basic ${base64(user + ":" + ` + SecretPassword + `)}`})
	}
	if c.JSON {
		if !has["Content-Type"] {
			s.Headers = append(s.Headers, StepHeader{Name: "Content-Type", Value: "application/json"})
		}
		if !has["Accept"] {
			s.Headers = append(s.Headers, StepHeader{Name: "Accept", Value: "application/json"})
		}
	}
	if c.HasBody {
		ct := ""
		for _, h := range c.Headers {
			if strings.EqualFold(h.Name, "Content-Type") {
				ct = h.Value
			}
		}
		if ct == "" && !c.JSON {
			ct = "application/x-www-form-urlencoded"
			s.Headers = append(s.Headers, StepHeader{Name: "Content-Type", Value: ct})
		}
		trimmed := strings.TrimSpace(c.Body)
		if (c.JSON || strings.Contains(ct, "json")) && (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid([]byte(trimmed)) {
			s.JSONBody = json.RawMessage(trimmed)
		} else {
			s.Body = c.Body
		}
	}
	if base, query, ok := strings.Cut(c.URL, "?"); ok && !strings.Contains(query, "#") {
		written := strings.ReplaceAll(query, "${", "$${")
		if q := credentialQuery(written, func(name, value string) string { secret(name, value); return name }); q != written {
			s.URLTemplate = strings.ReplaceAll(base, "${", "$${") + "?" + q
		}
	}
	p.Steps = []Step{s}
	if len(p.Secrets) > 0 {
		p.Comments = append(p.Comments, "The command's credentials are secrets, read from the environment when it runs: "+strings.Join(p.Secrets, ", ")+".")
	}
	return p, nil
}
