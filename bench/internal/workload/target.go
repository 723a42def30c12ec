package workload

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
)

// maxLogin bounds the login bodies the handler reads.
const maxLogin = 1 << 16

// Handler returns the handler of the benchmark target. Each handler
// numbers its tokens from 1.
func Handler() http.Handler {
	var n atomic.Uint64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, maxLogin)).Decode(&in); err != nil {
			http.Error(w, "body must be a JSON object", http.StatusBadRequest)
			return
		}
		token := "tok-" + strconv.FormatUint(n.Add(1), 10)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"session":{"token":"`+token+`"}}`)
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]string{"token": r.URL.Query().Get("token")})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", "yes")
		_, _ = w.Write(b)
	})
	return mux
}
