package redact

import (
	"net/url"
	"strings"
)

// urlMarker stands for a secret inside a URL while it is escaped: it holds
// only characters no URL component escapes, so that it comes out of
// url.URL.String as it went in, and is then replaced by Mask. Mask itself
// would come out as %5BREDACTED%5D in a path.
const urlMarker = "SMOKEXREDACTEDzq9"

// passwordMask is what url.URL.Redacted writes for a password.
const passwordMask = "xxxxx"

// URL returns u as url.URL.String writes it, the password replaced as
// url.URL.Redacted does, with every secret masked in each component as
// that component is decoded (user name, host, path and each path segment,
// each query key and value, fragment) and, in the text it gives, in each
// escaped form: a secret that escaping turns into something else in a
// path, a query or String's rendering is masked all the same. u is not
// modified.
func (rd *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if rd == nil {
		return u.Redacted()
	}
	c := *u
	if c.User != nil {
		name := rd.mark(c.User.Username())
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(name, passwordMask)
		} else {
			c.User = url.User(name)
		}
	}
	c.Host = rd.mark(c.Host)
	if p := rd.markPath(c.Path); p != c.Path {
		c.Path, c.RawPath = p, ""
	}
	c.RawQuery = rd.markQuery(c.RawQuery)
	if f := rd.mark(c.Fragment); f != c.Fragment {
		c.Fragment, c.RawFragment = f, ""
	}
	c.Opaque = rd.mark(c.Opaque)
	return rd.String(strings.ReplaceAll(c.String(), urlMarker, Mask))
}

// mark replaces each secret in s with urlMarker.
func (rd *Redactor) mark(s string) string {
	if rd == nil {
		return s
	}
	return rd.replace(s, urlMarker, rd.marker)
}

// markPath marks the secrets of a decoded path, the path whole and each of
// its segments.
func (rd *Redactor) markPath(p string) string {
	p = rd.mark(p)
	if len(rd.whole) == 0 || !strings.Contains(p, "/") {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = rd.mark(s)
	}
	return strings.Join(segs, "/")
}

// markQuery marks the secrets of a raw query in each key and value as
// decoded, and in the raw text.
func (rd *Redactor) markQuery(q string) string {
	if q == "" {
		return q
	}
	pairs := strings.Split(q, "&")
	for i, pair := range pairs {
		k, v, hasValue := strings.Cut(pair, "=")
		k, v = rd.markQueryPart(k), rd.markQueryPart(v)
		if hasValue {
			pairs[i] = k + "=" + v
		} else {
			pairs[i] = k
		}
	}
	return strings.Join(pairs, "&")
}

func (rd *Redactor) markQueryPart(raw string) string {
	if dec, err := url.QueryUnescape(raw); err == nil {
		if m := rd.mark(dec); m != dec {
			return url.QueryEscape(m)
		}
	}
	return rd.mark(raw)
}
