package exec

import (
	"testing"

	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"
	"github.com/stretchr/testify/require"
)

// getPath finds what ojg's Get finds, on every kind of path.
func TestGetPathAgreesWithGet(t *testing.T) {
	t.Parallel()
	doc, err := oj.ParseString(`{"session":{"token":"t","n":null,"list":[1,{"a":"x"},[2,3]]},"top":[{"id":1},{"id":2}],"s":"str"}`)
	require.NoError(t, err)
	for _, src := range []string{
		"$", "$.session", "$.session.token", "$.session.n", "$.session.missing", "$.session.token.deeper",
		"$.session.list[0]", "$.session.list[1].a", "$.session.list[-1][0]", "$.session.list[9]", "$.session.list[-9]",
		"$.top[*].id", "$..id", "$.s[0]", "$.s.x", "$.top[0]", "$['session']['token']", "@.session",
	} {
		x, err := jp.ParseString(src)
		require.NoError(t, err, src)
		require.Equal(t, x.Get(doc), getPath(x, doc), src)
	}
}
