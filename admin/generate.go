package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
)

// DefaultFetchTimeout bounds the fetch of an OpenAPI document that the
// "New plan" page is given by URL.
const DefaultFetchTimeout = 30 * time.Second

// maxGenerateRequest bounds the body of POST /api/generate.
const maxGenerateRequest = 1 << 20

// generateRequest is the body of POST /api/generate: what to write a plan
// from.
type generateRequest struct {
	// From is "check" (a one-step check of URL: Method, Status),
	// "openapi" (the OpenAPI document at URL, the API at BaseURL or the
	// document's server) or "curl" (Command).
	From     string `json:"from"`
	URL      string `json:"url"`
	Method   string `json:"method"`
	Status   string `json:"status"`
	BaseURL  string `json:"base_url"`
	Command  string `json:"command"`
	Schedule string `json:"schedule"`
}

// generatedPlan is one plan POST /api/generate wrote.
type generatedPlan struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	// Secrets are the names of the secrets the plan reads: the host must
	// give them (smokex serve --secret NAME).
	Secrets []string `json:"secrets,omitempty"`
}

// generate answers POST /api/generate: the plans written from a check's
// fields, an OpenAPI document's URL or a curl command, each one that
// validates; nothing is stored. Credentials become secrets, whose values
// are never answered.
func (h *handler) generate(w http.ResponseWriter, r *http.Request) {
	if !allows(r, RoleAdmin, h.cfg.AllowEdit) {
		writeError(w, http.StatusForbidden, refusal(r, RoleAdmin, "editing plans is turned off (admin.Config.AllowEdit; smokex serve --allow-edit)"))
		return
	}
	var req generateRequest
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxGenerateRequest))
	d.DisallowUnknownFields()
	if err := d.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the request must be a JSON object {from, url, method, status, base_url, command, schedule}: "+err.Error())
		return
	}
	var plans []*plangen.Plan
	var err error
	switch req.From {
	case "check":
		var p *plangen.Plan
		p, err = plangen.NewCheck(req.Method, req.URL, req.Status)
		plans = []*plangen.Plan{p}
	case "curl":
		var p *plangen.Plan
		p, err = plangen.FromCurl(req.Command)
		plans = []*plangen.Plan{p}
	case "openapi":
		plans, err = h.fromOpenAPI(r.Context(), req.URL, req.BaseURL)
	default:
		writeError(w, http.StatusBadRequest, `"from" must be "check", "openapi" or "curl"`)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out := make([]generatedPlan, 0, len(plans))
	for _, p := range plans {
		p.Schedule = req.Schedule
		var b bytes.Buffer
		if err := plangen.Write(&b, p); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if _, err := plan.Parse(b.Bytes(), &plan.ParseOpts{File: p.Name}); err != nil {
			var list plan.ErrorList
			if errors.As(err, &list) && len(list) > 0 {
				err = errors.New(list[0].Message)
			}
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		out = append(out, generatedPlan{ID: p.Name, Source: b.String(), Secrets: p.Secrets})
	}
	writeJSON(w, http.StatusOK, map[string]any{"plans": out})
}

// fromOpenAPI fetches the document at url with Config.FetchClient and
// writes its plans, schemas inline.
func (h *handler) fromOpenAPI(ctx context.Context, rawURL, baseURL string) ([]*plangen.Plan, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultFetchTimeout)
	defer cancel()
	doc, err := plangen.FetchOpenAPI(ctx, h.cfg.FetchClient, rawURL)
	if err != nil {
		return nil, err
	}
	loc, _ := url.Parse(rawURL)
	return plangen.FromOpenAPI(doc, &plangen.OpenAPIOpts{BaseURL: baseURL, Location: loc, Source: loc.Redacted()})
}
