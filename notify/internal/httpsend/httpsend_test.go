package httpsend_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify/internal/httpsend"
)

func TestCut(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven runes", 10, "eleven ru…"},
		{"ééééé", 3, "éé…"}, // runes, not bytes
	} {
		require.Equal(t, c.want, httpsend.Cut(c.in, c.n), c.in)
		require.LessOrEqual(t, len([]rune(httpsend.Cut(c.in, c.n))), c.n)
	}
}

func TestCheckURLSaysWhatIsWrongWithoutTheURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                              "slack: WebhookURL is required",
		"hooks.slack.com/services/SEC":  "slack: WebhookURL must be an absolute http or https URL: it has no scheme (write https://...)",
		"ftp://hooks.slack.com/SEC":     "slack: WebhookURL must be an absolute http or https URL, not ftp:",
		"https:///services/SEC":         "slack: WebhookURL must be an absolute http or https URL: it has no host",
		"http://[::1]:bad/services/SEC": "slack: WebhookURL is not a URL",
	} {
		err := httpsend.CheckURL("slack: WebhookURL", in)
		require.EqualError(t, err, want, in)
		require.NotContains(t, err.Error(), "SEC", "the URL is a secret")
	}
	require.NoError(t, httpsend.CheckURL("slack: WebhookURL", "https://hooks.slack.com/services/SEC"))
}
