package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// warmUpCalls is how many checkout calls fail while the service warms up,
// so that the checkout plan fails, alerts, then recovers.
const warmUpCalls = 2

// newAPI is the host service's own API: a tiny inventory, and a checkout
// that answers 503 for its first warmUpCalls calls.
func newAPI() http.Handler {
	inv := &inventory{items: map[string]int{"apple": 3}}
	var checkouts atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, _ *http.Request) {
		if checkouts.Add(1) <= warmUpCalls {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "warming up"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "open"})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /items/{name}", func(w http.ResponseWriter, r *http.Request) {
		n, ok := inv.get(r.PathValue("name"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such item"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": r.PathValue("name"), "count": n})
	})
	mux.HandleFunc("POST /items/{name}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Count int `json:"count"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		total := inv.add(r.PathValue("name"), body.Count)
		w.Header().Set("X-Item-Count", strconv.Itoa(total))
		writeJSON(w, http.StatusCreated, map[string]any{"name": r.PathValue("name"), "count": total})
	})
	return mux
}

type inventory struct {
	mu    sync.Mutex
	items map[string]int
}

func (i *inventory) get(name string) (int, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	n, ok := i.items[name]
	return n, ok
}

func (i *inventory) add(name string, n int) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.items[name] += n
	return i.items[name]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
