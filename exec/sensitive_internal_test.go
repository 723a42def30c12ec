package exec

import (
	"net/http"
	"slices"
	"testing"
)

// sensitiveCanonical is the definition isSensitive keeps: the name
// canonicalized, then compared.
func sensitiveCanonical(name string) bool {
	return slices.Contains(sensitiveHeaders[:], http.CanonicalHeaderKey(name))
}

func TestIsSensitiveIsCanonicalComparison(t *testing.T) {
	t.Parallel()
	names := []string{
		"Authorization", "authorization", "AUTHORIZATION", "Cookie", "cookie", "set-cookie",
		"SET-COOKIE", "Set-cookie", "proxy-authorization", "Proxy-Authorization",
		"X-Cookie", "Cookies", "Cooki", "", "Content-Type",
		"cookie ", " cookie", "coo kie", "Set_Cookie", "Set-Cookie\x00",
		"Set-Coo\u212Aie", "\u212Aookie", "Coo\u212Aie", "Set-Coo\u212A", "Author\u0131zation",
	}
	for _, name := range names {
		if got, want := isSensitive(name), sensitiveCanonical(name); got != want {
			t.Errorf("isSensitive(%q) = %v, canonical comparison %v", name, got, want)
		}
	}
}

func FuzzIsSensitive(f *testing.F) {
	for _, h := range sensitiveHeaders {
		f.Add(h)
	}
	f.Add("set-coo\u212Aie")
	f.Add("cookie ")
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := isSensitive(name), sensitiveCanonical(name); got != want {
			t.Errorf("isSensitive(%q) = %v, canonical comparison %v", name, got, want)
		}
	})
}
