package petstore

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Document is the OpenAPI document of the API, as a file holds it: its
// server is http://petstore.example.com/v1.
//
//go:embed openapi.yaml
var Document []byte

// DocumentServer is the server URL Document names.
const DocumentServer = "http://petstore.example.com/{version}"

// APIKey is the X-API-Key /store/inventory wants.
const APIKey = "k3y-petstore"

// API is the handler. The zero value is not usable; call New.
type API struct {
	mux    *http.ServeMux
	writes atomic.Int64
}

type pet struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Tag  string `json:"tag,omitempty"`
}

var pets = []pet{{ID: 1, Name: "Rex", Tag: "dog"}, {ID: 2, Name: "Tom"}}

// New returns the API.
func New() *API {
	a := &API{mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write([]byte(strings.Replace(string(Document), "http://petstore.example.com", "http://"+r.Host, 1)))
	})
	a.mux.HandleFunc("GET /v1/pets", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, pets) })
	a.mux.HandleFunc("POST /v1/pets", a.write(http.StatusCreated))
	a.mux.HandleFunc("GET /v1/pets/search", func(w http.ResponseWriter, r *http.Request) {
		found := []pet{}
		for _, p := range pets {
			if strings.Contains(p.Name, r.URL.Query().Get("q")) {
				found = append(found, p)
			}
		}
		writeJSON(w, http.StatusOK, found)
	})
	a.mux.HandleFunc("GET /v1/pets/{petId}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("petId"), 10, 64)
		for _, p := range pets {
			if p.ID == id {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
		writeError(w, http.StatusNotFound, "no pet has the id "+r.PathValue("petId"))
	})
	a.mux.HandleFunc("DELETE /v1/pets/{petId}", a.write(http.StatusNoContent))
	a.mux.HandleFunc("GET /v1/owners/{ownerId}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Request-Source") == "" {
			writeError(w, http.StatusBadRequest, "X-Request-Source is required")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("ownerId"), "name": "Alice", "email": nil, "age": 41, "pets": pets[:1]})
	})
	a.mux.HandleFunc("GET /v1/store/inventory", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != APIKey {
			writeError(w, http.StatusUnauthorized, "a valid X-API-Key is required")
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"available": 2, "sold": 1})
	})
	a.mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	return a
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Writes returns how many requests that change something (POST, DELETE)
// the API has received.
func (a *API) Writes() int64 { return a.writes.Load() }

func (a *API) write(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		a.writes.Add(1)
		w.WriteHeader(status)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}
