package admin

import (
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IsPublicPath reports whether path, as the handler sees it, is one of the
// status pages' (everything under /s/: the pages, their JSON, Atom feeds,
// live updates and assets), which the handler serves without asking
// Config.Authorize, and which a host's own authorization in front of it
// should let through as well.
func IsPublicPath(path string) bool { return strings.HasPrefix(path, "/s/") }

// statusCSP is the Content-Security-Policy of the status pages.
const statusCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'none'"

func (h *handler) statusRoutes() {
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/s/-", http.FileServerFS(assets))
	h.mux.HandleFunc("GET /s/{file}", h.statusPage)
	h.mux.HandleFunc("GET /s/{slug}/{file}", func(w http.ResponseWriter, r *http.Request) {
		switch file := r.PathValue("file"); {
		case r.PathValue("slug") == "-" && strings.HasPrefix(file, "status."):
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		case file == "events":
			h.statusStream(w, r)
		case file == "feed.atom":
			h.statusFeed(w, r)
		default:
			http.Error(w, "no status page here", http.StatusNotFound)
		}
	})
	h.mux.HandleFunc("/s/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no status page here", http.StatusNotFound)
	})
}

// statusPage serves /s/<slug> (HTML) and /s/<slug>.json from the built
// pages.
func (h *handler) statusPage(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	slug, isJSON := strings.CutSuffix(file, ".json")
	b := h.builtPage(w, r, slug)
	if b == nil {
		return
	}
	hd := w.Header()
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+b.etag+`"`)
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Vary", "Accept-Encoding")
	body, gz := b.html, b.htmlGz
	if isJSON {
		hd.Set("Content-Type", "application/json; charset=utf-8")
		body, gz = b.json, b.jsonGz
	} else {
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", statusCSP)
	}
	if acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = gz
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// shutdownOf returns a channel closed when srv shuts down (never for a nil
// srv): Server.Shutdown waits for every request to end, and a stream does
// not end on its own.
func (s *statusPages) shutdownOf(srv *http.Server) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if srv == nil {
		return nil
	}
	c, ok := s.servers[srv]
	if !ok {
		c = make(chan struct{})
		s.servers[srv] = c
		srv.RegisterOnShutdown(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			delete(s.servers, srv)
			close(c)
		})
	}
	return c
}

// statusStream serves /s/<slug>/events: an event "update" whenever the
// page changes, upon which the page fetches itself again.
func (h *handler) statusStream(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if h.builtPage(w, r, slug) == nil {
		return
	}
	if h.public.streams.Add(1) > maxStatusStreams {
		h.public.streams.Add(-1)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many live pages open; reload later", http.StatusServiceUnavailable)
		return
	}
	defer h.public.streams.Add(-1)
	flush, err := startStream(w, "retry: 5000\n: smokex status\n\n")
	if err != nil || flush() != nil {
		return
	}
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	shutdown := h.public.shutdownOf(srv)
	beat := time.NewTicker(h.cfg.Heartbeat)
	defer beat.Stop()
	// since is the page's etag as the client has it: a page changed in
	// between is announced at once.
	last := r.URL.Query().Get("since")
	if last == "" {
		last = h.public.get(r.Context(), slug).etag
	}
	for {
		changed := h.public.wait()
		if b := h.public.get(r.Context(), slug); b != nil && b.etag != last {
			last = b.etag
			if _, err := fmt.Fprintf(w, "event: update\ndata: %q\n\n", b.etag); err != nil || flush() != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-shutdown:
			return
		case <-h.public.done:
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		case <-changed:
			continue // announced at the top of the loop
		}
		if flush() != nil {
			return
		}
	}
}

// statusFeed serves /s/<slug>/feed.atom.
func (h *handler) statusFeed(w http.ResponseWriter, r *http.Request) {
	b := h.builtPage(w, r, r.PathValue("slug"))
	if b == nil {
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", `"`+b.etag+`"`)
	w.Write(b.atom)
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// builtPage returns the built page with slug, or answers 404 when no page
// has it, 503 when it could not be built yet (the store failed), and
// returns nil.
func (h *handler) builtPage(w http.ResponseWriter, r *http.Request, slug string) *builtPage {
	if h.public == nil || !slices.ContainsFunc(h.public.pages, func(p StatusPage) bool { return p.Slug == slug }) {
		http.Error(w, "no status page here", http.StatusNotFound)
		return nil
	}
	b := h.public.get(r.Context(), slug)
	if b == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "the status page is not ready; try again shortly", http.StatusServiceUnavailable)
	}
	return b
}
