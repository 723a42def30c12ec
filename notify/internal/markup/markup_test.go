package markup_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify/internal/markup"
)

func TestSlack(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<!channel>":                         "&lt;!channel&gt;",
		"<https://evil.example|Login again>": "&lt;https://evil.example|Login again&gt;",
		"a & b":                              "a &amp; b",
		"&lt;":                               "&amp;lt;",
		"plain":                              "plain",
	} {
		require.Equal(t, want, markup.Slack(in), in)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"[Login again](https://evil.example)": `\[Login again\]\(https://evil.example\)`,
		"<https://evil.example>":              `\<https://evil.example\>`,
		"**bold** _it_ ~~s~~ `c` ||sp||":      `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`c\\`" + ` \|\|sp\|\|`,
		`# h` + "\n> q\n- l\n+ l\n!":          `\# h` + "\n\\> q\n\\- l\n\\+ l\n\\!",
		`a\b`:                                 `a\\b`,
		"plain 200":                           "plain 200",
	} {
		require.Equal(t, want, markup.Markdown(in), in)
	}
}
