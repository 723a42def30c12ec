package redact

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// urlSecrets are secrets whose characters URL escaping treats differently
// in a path, a query and url.URL.String.
var urlSecrets = []string{"a/b c", "x;y z", "pa?ss|w", "ab(c)^d", "p@ss/w#rd", `q"u\o'te`, "ünï cödé"}

func TestURLForms(t *testing.T) {
	t.Parallel()
	for _, secret := range urlSecrets {
		rd := New([]string{secret})
		// The URL as a template gives it, parsed, escaped as the executor
		// escapes a raw query, and rendered.
		for _, raw := range []string{
			"http://h/" + secret,
			"http://h/p?q=" + secret,
			"http://h/p?q=" + url.QueryEscape(secret),
			"http://h/" + url.PathEscape(secret) + "?k=" + url.PathEscape(secret),
			"http://h/p#" + secret,
			"http://" + url.User(secret).String() + "@h/",
		} {
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			u.RawQuery = EscapeRaw(u.RawQuery)
			for name, shown := range map[string]string{
				"String":   rd.String(u.String()),
				"Redacted": rd.String(u.Redacted()),
				"URL":      rd.URL(u),
			} {
				require.NotContains(t, shown, secret, "%s of %q", name, raw)
				for _, f := range Forms(secret) {
					require.NotContains(t, shown, f, "%s of %q shows %q", name, raw, f)
				}
			}
			require.Contains(t, rd.URL(u), Mask, raw)
		}
	}
}

func TestURLComponents(t *testing.T) {
	t.Parallel()
	rd := New([]string{"t0ken", "pw"})
	cases := []struct{ in, want string }{
		{"http://h/a/t0ken/b", "http://h/a/[REDACTED]/b"},
		{"http://h/a/pw/b?x=pw&y=pwd&pw", "http://h/a/[REDACTED]/b?x=[REDACTED]&y=pwd&[REDACTED]"},
		{"http://h/?k=t%30ken", "http://h/?k=[REDACTED]"},
		{"http://t0ken:secret@h/#t0ken", "http://[REDACTED]:xxxxx@h/#[REDACTED]"},
		{"http://h/%74%30ken", "http://h/[REDACTED]"},
		{"http://h/passwords", "http://h/passwords"},
	}
	for _, c := range cases {
		u, err := url.Parse(c.in)
		require.NoError(t, err)
		require.Equal(t, c.want, rd.URL(u), c.in)
	}
	var nilRd *Redactor
	u, _ := url.Parse("http://u:p@h/")
	require.Equal(t, "http://u:xxxxx@h/", nilRd.URL(u))
}

// TestTwiceEscapedJSON is a target that echoes the JSON request body as a
// string inside its JSON answer.
func TestTwiceEscapedJSON(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{`back\slash`, `dq"uote`, `<&>"\`, "tab\there"} {
		rd := New([]string{secret})
		body, _ := json.Marshal(map[string]string{"password": secret})
		echo, _ := json.Marshal(map[string]string{"data": string(body)})
		twice, _ := json.Marshal(map[string]string{"data": string(echo)})
		require.NotContains(t, rd.String(string(echo)), jsonEscape(jsonEscape(secret, true), true), secret)
		require.Equal(t, `{"data":"{\"password\":\"[REDACTED]\"}"}`, rd.String(string(echo)), secret)
		// Three times is past what is covered; the secret does not show
		// as it is either way.
		require.NotContains(t, rd.String(string(twice)), secret)
	}
}

func TestShortSecretsAreMaskedWhole(t *testing.T) {
	t.Parallel()
	require.True(t, Short("a"))
	require.True(t, Short("abc"))
	require.False(t, Short("abcd"))
	require.False(t, Short(""))
	rd := New([]string{"a", "42"})
	require.NotNil(t, rd)
	require.Equal(t, Mask, rd.String("a"))
	require.Equal(t, Mask, rd.String("42"))
	require.Equal(t, "a banana costs 42 cents", rd.String("a banana costs 42 cents"), "no confetti")
	require.Equal(t, map[string]any{"pin": Mask, "s": "42 x"}, rd.Value(map[string]any{"pin": "42", "s": "42 x"}))
	require.Equal(t, []string{Mask}, rd.Value([]string{"a"}))
	require.Equal(t, `{"pin":"[REDACTED]","n":42,"s":"a 42"}`, rd.String(`{"pin":"42","n":42,"s":"a 42"}`))
	w := ShortWarning("PIN", "42")
	require.Contains(t, w, "secret PIN is 2 byte(s) long")
	require.Contains(t, w, "masked only where it stands whole")
	require.False(t, strings.Contains(w, "42"), "the warning does not show the value")
}
