package smokex_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/memory"
)

// A plan whose json_schema refers to a file runs in an engine that has
// only the store, not the plan's folder: the files are stored with the
// plan. A change of the referred file alone changes the plan.
func TestSchemaFilesTravelWithThePlan(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/good" {
			_, _ = io.WriteString(w, `{"id": 7}`)
			return
		}
		_, _ = io.WriteString(w, `{"id": "seven"}`)
	}))
	t.Cleanup(srv.Close)
	plan := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("name: " + name + "\nschedule: \"@every 1h\"\nsteps:\n  - get:\n      url: " + srv.URL + "/" + name + "\n      expect:\n        json_schema: {$ref: \"../api/openapi.yaml#/components/schemas/Item\"}\n")}
	}
	fsys := fstest.MapFS{
		"api/openapi.yaml": {Data: []byte("components:\n  schemas:\n    Item: {type: object, required: [id], properties: {id: {type: integer}}}\n")},
		"plans/good.yaml":  plan("good"),
		"plans/bad.yaml":   plan("bad"),
	}
	store := memory.New(memory.Config{})
	ctx := t.Context()
	loader, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	res, err := loader.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, []string{"bad", "good"}, res.Added)

	// Another replica: the plans come from the store alone, and each of
	// its ticks parses the stored plan.
	other, ticks := newSharedEngine(t, store, false)
	require.Len(t, other.Plans(), 2, "both stored plans parse without their folder")
	x, err := other.Run(ctx, "good", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	x, err = other.Run(ctx, "bad", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, x.Status)
	require.Equal(t, record.FailureJSONSchema, x.Steps[0].Failures[0].Type)
	require.Equal(t, "$.id", x.Steps[0].Failures[0].Name)

	// The schema changes, the plans do not: both are updated, and the
	// other replica's next tick checks the new schema.
	fsys["api/openapi.yaml"] = &fstest.MapFile{Data: []byte("components:\n  schemas:\n    Item: {type: object, required: [id], properties: {id: {type: string}}}\n")}
	res, err = loader.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, []string{"bad", "good"}, res.Updated)
	ticks.Tick("bad", cronspec.EveryFor("bad", time.Hour).Prev(time.Now())) // its last due time, "@every 1h"
	page, err := store.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, record.TriggerSchedule, page.Executions[0].Trigger)
	require.Equal(t, "bad", page.Executions[0].PlanID)
	require.Equal(t, record.StatusPassed, page.Executions[0].Status, "the tick ran the plan with the new schema")
	require.NoError(t, loader.Stop(ctx))
}
