package storagetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// planFiles checks that a plan's Files come back byte for byte, are
// replaced by a save without them, and are copied in and out.
func (s suite) planFiles(t *testing.T) {
	ctx, st := s.store(t)
	files := map[string][]byte{
		"openapi.yaml":        []byte("components:\n  schemas:\n    Item: {type: object}\n"),
		"../shared/item.json": {0xff, 0x00, '{', '}'},
	}
	p := &storage.Plan{ID: "items", Name: "items", Source: []byte("name: items\n"), Files: files}
	saveAndGetPlan(t, st, p)
	files["openapi.yaml"][0] = 'X'
	got, err := st.GetPlan(ctx, "items")
	require.NoError(t, err)
	require.Equal(t, byte('c'), got.Files["openapi.yaml"][0], "SavePlan keeps a copy of Files")
	got.Files["openapi.yaml"][0] = 'Y'
	again, err := st.GetPlan(ctx, "items")
	require.NoError(t, err)
	require.Equal(t, byte('c'), again.Files["openapi.yaml"][0], "GetPlan returns a copy of Files")
	listed, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Len(t, listed, 1)
	require.Equal(t, []byte{0xff, 0x00, '{', '}'}, listed[0].Files["../shared/item.json"])

	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "items", Name: "items", Source: []byte("name: items\n")}))
	got, err = st.GetPlan(ctx, "items")
	require.NoError(t, err)
	require.Empty(t, got.Files, "a save without Files drops them")
}

func (s suite) syncScenarios() []scenario {
	return []scenario{
		{"NotFoundBeforeTheFirstSave", s.syncNotFound},
		{"SaveReplacesAndGetReturns", s.syncSaveGet},
		{"CopiesInAndOut", s.syncCopies},
		{"RejectsNil", s.syncNil},
	}
}

// syncStore returns the store as a SyncStore; a store that is not one
// skips the scenario, saying so.
func (s suite) syncStore(t *testing.T) storage.SyncStore {
	t.Helper()
	_, st := s.store(t)
	return optional[storage.SyncStore](t, st)
}

// syncState is a state with every field set.
func syncState() *storage.SyncState {
	return &storage.SyncState{
		Source:    "git+https://git.example.com/acme/api.git#main:.smokex",
		Commit:    "9fceb02d0ae598e95dc970b74767f19372d61af8",
		Path:      ".smokex",
		At:        at(1),
		Added:     []string{"checkout"},
		Updated:   []string{"login", "search"},
		Removed:   []string{"legacy"},
		Errors:    []record.SyncError{{File: ".smokex/broken.yaml", Line: 3, Column: 7, Message: "unknown key `stauts` in expect; did you mean `status_code`?"}, {File: ".smokex/big.yaml", Message: "the file is larger than the limit"}},
		Error:     "fetch: connection refused",
		Attempted: at(2),
		Plans:     map[string]string{"checkout": ".smokex/checkout.yaml", "login": ".smokex/login.yaml", "search": ".smokex/search.yml"},
	}
}

// normSync returns a copy of st with times in UTC.
func normSync(st *storage.SyncState) *storage.SyncState {
	c := st.Clone()
	c.At, c.Attempted = normTime(c.At), normTime(c.Attempted)
	return c
}

func (s suite) syncNotFound(t *testing.T) {
	ss := s.syncStore(t)
	_, err := ss.GetSyncState(t.Context())
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) syncSaveGet(t *testing.T) {
	ss := s.syncStore(t)
	want := syncState()
	require.NoError(t, ss.SaveSyncState(t.Context(), want))
	got, err := ss.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, normSync(want), normSync(got))

	next := &storage.SyncState{Source: want.Source, Commit: "0123456789abcdef0123456789abcdef01234567", Path: ".smokex", At: at(3), Attempted: at(3), Added: []string{}, Updated: []string{}, Removed: []string{"checkout"}, Errors: []record.SyncError{}, Plans: map[string]string{}}
	require.NoError(t, ss.SaveSyncState(t.Context(), next))
	got, err = ss.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, next.Commit, got.Commit)
	require.Equal(t, []string{"checkout"}, got.Removed)
	require.Empty(t, got.Added)
	require.Empty(t, got.Errors)
	require.Empty(t, got.Plans)
	require.Empty(t, got.Error, "a save replaces the whole state")
	require.True(t, got.At.Equal(at(3)))
}

func (s suite) syncCopies(t *testing.T) {
	ss := s.syncStore(t)
	st := syncState()
	require.NoError(t, ss.SaveSyncState(t.Context(), st))
	st.Added[0] = "changed"
	st.Plans["checkout"] = "changed"
	st.Errors[0].Line = 99
	got, err := ss.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, normSync(syncState()), normSync(got), "SaveSyncState keeps a copy")
	got.Updated[0] = "changed"
	got.Plans["login"] = "changed"
	again, err := ss.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, normSync(syncState()), normSync(again), "GetSyncState returns a copy")
}

func (s suite) syncNil(t *testing.T) {
	ss := s.syncStore(t)
	err := ss.SaveSyncState(t.Context(), nil)
	require.Error(t, err)
	require.False(t, errors.Is(err, storage.ErrNotFound))
}

// syncShared checks that what one instance saves the other reads: the
// sync one replica applied is what every replica shows.
func syncShared(t *testing.T, a, b storage.SyncStore) {
	want := syncState()
	require.NoError(t, a.SaveSyncState(t.Context(), want))
	got, err := b.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, normSync(want), normSync(got))
	want.Commit, want.Removed = "0123456789abcdef0123456789abcdef01234567", []string{"checkout"}
	require.NoError(t, b.SaveSyncState(t.Context(), want))
	got, err = a.GetSyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, normSync(want), normSync(got))
}
