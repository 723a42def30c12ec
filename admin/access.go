package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// Role is what a token may do: a viewer reads, an operator also runs
// plans now, pauses them and writes incidents, an admin also edits and
// deletes plans.
type Role string

// The roles, from the least to the most.
const (
	// RoleViewer reads the dashboard and the API for its plans, with the
	// requests' and responses' bodies and headers hidden.
	RoleViewer Role = "viewer"
	// RoleOperator may also run plans now, pause them and write incidents.
	RoleOperator Role = "operator"
	// RoleAdmin may also create, edit and delete plans.
	RoleAdmin Role = "admin"
)

// roles are the roles in order, the least first.
var roles = []Role{RoleViewer, RoleOperator, RoleAdmin}

// AtLeast reports whether r may do what need may. The zero Role may do
// nothing.
func (r Role) AtLeast(need Role) bool {
	have := slices.Index(roles, r)
	return have >= 0 && have >= slices.Index(roles, need)
}

// Token is an entry of a tokens file (smokex serve --tokens): a token
// known by its SHA-256 only, with its role and scope.
type Token struct {
	// Name says whose token it is; the dashboard shows it.
	Name string `yaml:"name"`
	// SHA256 is the hex SHA-256 of the token, never the token itself.
	SHA256 string `yaml:"sha256"`
	// Role is what the token may do.
	Role Role `yaml:"role"`
	// Labels, when set, limit the token to the plans that have every one
	// of these labels: the others are answered 404, as if they did not
	// exist. Empty means every plan.
	Labels map[string]string `yaml:"labels,omitempty"`
}

// tokenKeys are the keys of a tokens file's entry.
var tokenKeys = []string{"name", "sha256", "role", "labels"}

// ValidateTokens checks tokens as a tokens file holds them: each has a
// name, unique; a sha256 of 64 hex digits, unique; a known role; and
// labels with non-empty names. An error names the entry and the field.
func ValidateTokens(tokens []Token) error {
	wheres := make([]string, len(tokens))
	for i, t := range tokens {
		wheres[i] = fmt.Sprintf("entry %d", i+1)
		if t.Name != "" {
			wheres[i] += " (" + t.Name + ")"
		}
	}
	return validateTokens(tokens, wheres)
}

// validateTokens is ValidateTokens, naming tokens[i] wheres[i].
func validateTokens(tokens []Token, wheres []string) error {
	names := map[string]int{}
	sums := map[string]int{}
	for i, t := range tokens {
		where := wheres[i]
		switch {
		case strings.TrimSpace(t.Name) == "":
			return fmt.Errorf("%s: name is missing", where)
		case names[t.Name] > 0:
			return fmt.Errorf("%s: name %q is also entry %d's", where, t.Name, names[t.Name])
		}
		names[t.Name] = i + 1
		sum, err := hex.DecodeString(t.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return fmt.Errorf("%s: sha256 must be the token's SHA-256 in 64 hex digits (smokex token prints it), not %.70q", where, t.SHA256)
		}
		key := strings.ToLower(t.SHA256)
		if n := sums[key]; n > 0 {
			return fmt.Errorf("%s: sha256 is also entry %d's: each token has one entry", where, n)
		}
		sums[key] = i + 1
		if !slices.Contains(roles, t.Role) {
			msg := fmt.Sprintf("%s: role %q is not one of viewer, operator and admin", where, t.Role)
			if t.Role == "" {
				msg = where + ": role is missing: viewer, operator or admin"
			} else if s := plan.Suggest(string(t.Role), []string{"viewer", "operator", "admin"}); s != "" {
				msg += "; did you mean " + s + "?"
			}
			return errors.New(msg)
		}
		for k := range t.Labels {
			if strings.TrimSpace(k) == "" {
				return fmt.Errorf("%s: labels: a label's name must not be empty", where)
			}
		}
	}
	return nil
}

// ParseTokens reads a tokens file: a YAML list of Token entries.
// An error names the entry, its line and the field.
func ParseTokens(data []byte) ([]Token, error) {
	list, err := yamlList(data, "tokens", "entries of name, sha256, role and labels (- name: ..., sha256: ..., role: ...)")
	if err != nil {
		return nil, err
	}
	tokens := make([]Token, len(list.Content))
	wheres := make([]string, len(list.Content))
	for i, n := range list.Content {
		wheres[i] = fmt.Sprintf("tokens: entry %d (line %d)", i+1, n.Line)
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: an entry is a mapping of name, sha256, role and labels", wheres[i])
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j].Value
			if slices.Contains(tokenKeys, k) {
				continue
			}
			msg := fmt.Sprintf("%s: line %d: unknown field %q", wheres[i], n.Content[j].Line, k)
			if s := plan.Suggest(k, tokenKeys); s != "" {
				msg += "; did you mean " + s + "?"
			}
			if k == "token" {
				msg += "; the file holds the token's sha256, never the token (smokex token prints both)"
			}
			return nil, errors.New(msg)
		}
		if err := n.Decode(&tokens[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", wheres[i], err)
		}
	}
	if err := validateTokens(tokens, wheres); err != nil {
		return nil, err
	}
	return tokens, nil
}

// Access is who a request is: what the handler shows it and lets it do.
type Access struct {
	// Name is the token's name; empty for the host's own admin (no tokens,
	// admin.Config.Authorize, smokex serve --auth-token).
	Name string
	// Role is what the request may do. The zero Role may do nothing and
	// sees no plan.
	Role Role
	// Labels limit the plans the request sees to those with every one of
	// them; empty means every plan.
	Labels map[string]string
	// Token is set when the access came with a token of Config.Tokens (or
	// smokex serve --tokens): its role is then itself the grant of what
	// it may do (run, edit, write incidents), without Config.AllowRun and
	// the others, which set what the host's own admin may do.
	Token bool
}

// Sees reports whether a may see a plan with these labels.
func (a *Access) Sees(labels map[string]string) bool {
	if a.Role == "" {
		return false
	}
	for k, v := range a.Labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// all reports whether a sees everything there is: every plan, and the
// bodies and headers of requests and responses.
func (a *Access) all() bool {
	return len(a.Labels) == 0 && a.Role.AtLeast(RoleOperator)
}

// seesEveryPlan reports whether a is scoped by no label: what spans every
// plan, such as the locations' processes, is shown to it alone.
func (a *Access) seesEveryPlan() bool {
	return len(a.Labels) == 0
}

// hidesBodies reports whether a is shown executions without the bodies
// and headers of their requests and responses.
func (a *Access) hidesBodies() bool {
	return !a.Role.AtLeast(RoleOperator)
}

type accessKey struct{}

// WithAccess returns ctx carrying a: a host that authenticates requests
// itself (as smokex serve does with its login cookie) says so to the
// handler, which then shows and allows only what a may see and do.
func WithAccess(ctx context.Context, a Access) context.Context {
	a.Labels = maps.Clone(a.Labels)
	return context.WithValue(ctx, accessKey{}, &a)
}

// AccessFrom returns the access WithAccess put in ctx.
func AccessFrom(ctx context.Context) (Access, bool) {
	a, ok := ctx.Value(accessKey{}).(*Access)
	if !ok {
		return Access{}, false
	}
	return *a, true
}

// accessOf is the access of a request the handler routed: the host's
// admin when nothing set one.
func accessOf(r *http.Request) *Access {
	if a, ok := r.Context().Value(accessKey{}).(*Access); ok {
		return a
	}
	return &Access{Role: RoleAdmin}
}

// allows reports whether r may do what needs the role need: its role is
// at least need, and either flag (the Config switch of the action) is
// set or the role came with a token, which is itself the grant.
func allows(r *http.Request, need Role, flag bool) bool {
	a := accessOf(r)
	return a.Role.AtLeast(need) && (flag || a.Token)
}

// visible reports whether r may see a plan with these labels.
func visible(r *http.Request, labels map[string]string) bool {
	return accessOf(r).Sees(labels)
}

// Lookup returns the access of a token of tokens, comparing its SHA-256
// with every entry's in constant time. The entries must be valid
// (ValidateTokens); an invalid one matches nothing.
func Lookup(tokens []Token, token string) (Access, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i, t := range tokens {
		var want [sha256.Size]byte
		b, err := hex.DecodeString(t.SHA256)
		ok := err == nil && len(b) == sha256.Size
		copy(want[:], b)
		if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 && ok && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return Access{}, false
	}
	return tokens[found].access(), true
}

// access is the access the entry gives.
func (t *Token) access() Access {
	return Access{Name: t.Name, Role: t.Role, Labels: maps.Clone(t.Labels), Token: true}
}

// bearerToken is the token of r's Authorization header when its scheme is
// Bearer, in any case (RFC 9110 section 11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// hideBodies returns a copy of x without the bodies and headers of its
// steps' requests and responses, nor their captures (read from bodies):
// what a viewer is shown.
func hideBodies(x *record.Execution) *record.Execution {
	if x == nil {
		return nil
	}
	c := *x
	c.Steps = slices.Clone(x.Steps)
	for i := range c.Steps {
		hideStep(&c.Steps[i])
	}
	return &c
}

// shownReceived are the failures whose received value says nothing of a
// body or a header: a viewer is shown them whole.
var shownReceived = []record.FailureType{record.FailureStatusCode, record.FailureBodySize, record.FailureCertificate, record.FailureDuration}

// hiddenReceived replaces what a viewer is not shown of a failure's
// received value: an excerpt of the body, a header's value, a value read
// from the body.
const hiddenReceived = "(hidden)"

// hideStep drops a step's bodies, headers and captures in place, and the
// received values of its failures that come from them; its request,
// response and failures are copied first.
func hideStep(s *record.StepResult) {
	if len(s.Failures) > 0 {
		s.Failures = slices.Clone(s.Failures)
		for i := range s.Failures {
			if f := &s.Failures[i]; !slices.Contains(shownReceived, f.Type) && f.Received != "" {
				f.Received = hiddenReceived
			}
		}
	}
	if s.Request != nil {
		req := *s.Request
		req.Headers, req.Body = nil, ""
		s.Request = &req
	}
	if s.Response != nil {
		resp := *s.Response
		resp.Headers, resp.Body = nil, ""
		s.Response = &resp
	}
	s.Captures = nil
}

// hasBodies reports whether an event's JSON may hold what a viewer is not
// shown: a step's request or response.
func hasBodies(data []byte) bool {
	return bytes.Contains(data, []byte(`"request":`)) || bytes.Contains(data, []byte(`"response":`)) || bytes.Contains(data, []byte(`"captures":`))
}

// snapshot is the state's snapshot as r may see it (see state.get for
// fresh): the snapshot itself when r sees every plan, else a snapshot of
// r's plans alone, whose answers are encoded for this request.
func (h *handler) snapshot(r *http.Request, fresh bool) (*snapshot, error) {
	snap, err := h.state.get(r.Context(), fresh)
	if err != nil {
		return nil, err
	}
	a := accessOf(r)
	if len(a.Labels) == 0 && a.Role != "" {
		return snap, nil
	}
	out := &snapshot{built: snap.built, version: snap.version, byID: map[string]*planState{}, overview: snap.overview}
	for _, ps := range snap.plans {
		if a.Sees(ps.plan.Labels) {
			out.plans = append(out.plans, ps)
			out.byID[ps.plan.ID] = ps
		}
	}
	for _, le := range snap.loadErrors {
		if _, ok := out.byID[le.PlanID]; ok {
			out.loadErrors = append(out.loadErrors, le)
		}
	}
	return out, nil
}

// planVisible reports whether r may see the plan id and its executions:
// a scoped access sees a plan that is gone no more.
func (h *handler) planVisible(r *http.Request, id string) bool {
	a := accessOf(r)
	if len(a.Labels) == 0 && a.Role != "" {
		return true
	}
	p, err := h.eng.Plan(id)
	return err == nil && a.Sees(p.Labels)
}

// execution returns x as r may see it: nil when its plan is not r's,
// without bodies and headers for a viewer.
func (h *handler) execution(r *http.Request, x *record.Execution) *record.Execution {
	if !h.planVisible(r, x.PlanID) {
		return nil
	}
	if accessOf(r).hidesBodies() {
		return hideBodies(x)
	}
	return x
}

// hiddenPlan answers 404 and returns false when the plan id exists and r
// may not see it: as for a plan that does not exist, so that a scoped
// token learns nothing of the others' ids.
//
// With must set, a plan that does not exist is answered 404 too when r is
// scoped, so that the answer to a plan it may not see is the same as to
// one that does not exist whatever its role (a run, a delete).
func (h *handler) hiddenPlan(w http.ResponseWriter, r *http.Request, id string, must bool) bool {
	_, err := h.eng.Plan(id)
	switch {
	case err == nil && h.planVisible(r, id):
		return true
	case err != nil && (!must || accessOf(r).all()):
		return true
	}
	writeError(w, http.StatusNotFound, "no plan has the id "+quoteID(id))
	return false
}

// refusal says why r may not do what needs the role need: its role, when
// too low, else off, which names the switch that is off.
func refusal(r *http.Request, need Role, off string) string {
	a := accessOf(r)
	if a.Role.AtLeast(need) {
		return off
	}
	who := "your token"
	if a.Name != "" {
		who = "the token " + strconv.Quote(a.Name)
	}
	return fmt.Sprintf("%s is a %s's: this needs an %s's token", who, a.Role, need)
}

// labelList writes labels as k=v, sorted.
func labelList(labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ", ")
}
