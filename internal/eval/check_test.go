package eval_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/eval"
)

func TestCheckBool(t *testing.T) {
	t.Parallel()
	// json is of unknown type: it is left out.
	scope := eval.Env{"status": 0, "headers": map[string]any{}, "body": "", "duration": int64(0)}
	for _, ok := range []string{
		"status == 200", "status < 300 && duration < 500", `body contains "ok"`, `headers["X"] == "y"`,
		"json.user.points > 20", "json", "captured", "captured + 1", `len(body) > 0`, "status in [200, 201]", "!json.error",
	} {
		require.NoError(t, eval.CheckBool(ok, scope), ok)
	}
	for src, got := range map[string]string{
		"status + 1":   "a number",
		"status":       "a number",
		"duration * 2": "a number",
		"body":         "a string",
		`body + "x"`:   "a string",
		"headers":      "a map",
		"len(body)":    "a number",
		"[status, 1]":  "a list",
		`upper("a")`:   "a string",
	} {
		err := eval.CheckBool(src, scope)
		var te *eval.TypeError
		require.ErrorAs(t, err, &te, src)
		require.Equal(t, got, te.Got, src)
	}
	var se *eval.SyntaxError
	require.ErrorAs(t, eval.CheckBool("status.code == 1", scope), &se, "an int has no fields")
}
