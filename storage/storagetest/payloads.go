package storagetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) payloadScenarios() []scenario {
	return []scenario{
		{"LargeBody", s.payloadLarge},
		{"Unicode", s.payloadUnicode},
	}
}

func (s suite) payloadLarge(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusPassed, time.Second)
	create(ctx, t, st, e)

	// A 1 MiB body of multi-byte text.
	line := "{\"k\":\"日本語 🚀 ünïcödé\"}\n"
	body := strings.Repeat(line, 1<<20/len(line)+1)[:1<<20]
	body = strings.ToValidUTF8(body, "")
	r := fullStep(0)
	r.Response.Body = body
	r.Response.Size = int64(len(body))
	r.Request.Body = body
	require.NoError(t, st.AppendStep(ctx, "e", r))

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Len(t, got.Steps, 1)
	require.Equal(t, len(body), len(got.Steps[0].Response.Body))
	require.True(t, body == got.Steps[0].Response.Body, "the 1 MiB body comes back unchanged")
	e.Steps = []record.StepResult{*r}
	requireExecution(t, e, got)
}

func (s suite) payloadUnicode(t *testing.T) {
	ctx, st := s.store(t)
	p := &storage.Plan{
		ID:          "unicode.plan_1",
		Name:        "Überprüfung 检查 🚦",
		Description: "émoji 👩‍👩‍👧 and CJK 漢字かなカナ한글, RTL עברית",
		Labels:      map[string]string{"équipe": "café ☕", "チーム": "認証"},
		Source:      []byte("name: Überprüfung 检查 🚦\n"),
	}
	saveAndGetPlan(t, st, p)
	plans, err := st.ListPlans(ctx, &storage.ListPlansParams{Labels: map[string]string{"チーム": "認証"}})
	require.NoError(t, err)
	require.Len(t, plans, 1)

	e := newExecution("執行-🚀", p.ID, at(0), record.StatusFailed, time.Second)
	e.PlanName = p.Name
	e.Error = &record.StepError{Kind: record.ErrRequest, Message: "接続がリセットされました 💥"}
	create(ctx, t, st, e)
	r := record.StepResult{
		Index:    0,
		Name:     "取得 📦",
		Method:   "GET",
		URL:      "https://例え.テスト/パス?q=値",
		Captures: map[string]any{"名前": "値 ✓", "emoji": "🙂🙃"},
		Failures: []record.Failure{{Type: record.FailureString, Name: "本文", Expected: "こんにちは", Received: "さようなら"}},
		Response: &record.Response{StatusCode: 200, Headers: map[string][]string{"X-Grüße": {"𝔘𝔫𝔦𝔠𝔬𝔡𝔢"}}, Body: "😀"},
	}
	require.NoError(t, st.AppendStep(ctx, e.ID, &r))
	got, err := st.GetExecution(ctx, e.ID)
	require.NoError(t, err)
	e.Steps = []record.StepResult{r}
	requireExecution(t, e, got)
}
