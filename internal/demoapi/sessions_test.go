package demoapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSessionsAreBounded(t *testing.T) {
	t.Parallel()
	a := &api{sessions: map[string]string{}}
	for range MaxSessions + 10 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(`{"username":"demo","password":"secret"}`))
		a.login(w, r)
		require.Equal(t, http.StatusOK, w.Code)
	}
	require.Len(t, a.sessions, MaxSessions)
}
