package admin

import "net/http"

// pages renders the dashboard.
type pages struct {
	h *handler
}

func newPages(h *handler) *pages { return &pages{h: h} }

func (p *pages) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>smokex</title><p>smokex</p>"))
	})
}
