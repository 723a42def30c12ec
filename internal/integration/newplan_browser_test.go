package integration_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
	"github.com/smokex/smokex/internal/petstore"
	"github.com/smokex/smokex/record"
)

// TestBrowserNewPlanWritesYAML starts three plans from the "New plan"
// page: a one-step check from the short form, saved and run green; the
// plans of an OpenAPI document given by URL, one picked and saved; and a
// curl command, whose credential becomes a secret.
func TestBrowserNewPlanWritesYAML(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowRun: true, AllowEdit: true}, "/", nil)
	pets := httptest.NewServer(petstore.New())
	t.Cleanup(pets.Close)
	b := browsertest.New(t)
	source := func() string { return browsertest.Eval[string](b, `document.getElementById("source").value`) }

	b.Do(chromedp.Navigate(f.URL+"new"), chromedp.WaitVisible(chromedp.CSS("#gen-check")))
	b.Type("#check-url", f.Target.URL+"/ok")
	b.Do(chromedp.SetValue(chromedp.CSS("#check-status"), "2xx"))
	b.Do(chromedp.SetValue(chromedp.CSS("#check-schedule"), "@every 5m"))
	b.Click(`#gen-check button[type="submit"]`)
	b.WaitText("#gen-result", "Written: check the plan in the editor")
	require.Equal(t, "get-127.0.0.1-ok", browsertest.Eval[string](b, `document.getElementById("plan-id").value`))
	require.Contains(t, source(), "schedule: \"@every 5m\"\n")
	require.Contains(t, source(), "status_code: 2xx")
	b.Shoot("new-plan-check")
	b.Click(`#editor button[type="submit"]`)
	b.WaitText("h1", "get-127.0.0.1-ok")
	require.Equal(t, record.StatusPassed, f.Run(t, "get-127.0.0.1-ok").Status)

	b.Do(chromedp.Navigate(f.URL+"new"), chromedp.WaitVisible(chromedp.CSS("#gen-openapi")))
	b.Type("#openapi-url", pets.URL+"/openapi.yaml")
	b.Click(`#gen-openapi button[type="submit"]`)
	b.WaitText("#gen-result", "4 plans written")
	require.Equal(t, "petstore-health", browsertest.Eval[string](b, `document.getElementById("plan-id").value`))
	b.Click(`[data-gen-plan="petstore-store"]`)
	b.WaitText("#gen-secrets", "petstore-store reads the secrets API_KEY")
	require.Contains(t, source(), "x-api-key: \"${API_KEY}\"")
	b.Click(`[data-gen-plan="petstore-pets"]`)
	require.Contains(t, source(), "name: \"listPets\"")
	require.Contains(t, source(), "#   POST /pets (createPet): writes")
	require.Equal(t, "", b.Text("#gen-secrets"))
	b.Shoot("new-plan-openapi")
	b.Click(`#editor button[type="submit"]`)
	b.WaitText("h1", "petstore-pets")
	pl, err := f.Eng.Plan("petstore-pets")
	require.NoError(t, err)
	require.Len(t, pl.Steps, 2)

	b.Do(chromedp.Navigate(f.URL+"new"), chromedp.WaitVisible(chromedp.CSS("#gen-curl")))
	b.Type("#curl-command", "curl -H 'Authorization: Bearer t0k3n-never-shown' "+f.Target.URL+"/echo-auth")
	b.Click(`#gen-curl button[type="submit"]`)
	b.WaitText("#gen-secrets", "reads the secrets AUTHORIZATION")
	require.NotContains(t, source(), "t0k3n-never-shown")

	// A mistake is said where the form is.
	b.Do(chromedp.SetValue(chromedp.CSS("#curl-command"), "wget "+f.Target.URL))
	b.Click(`#gen-curl button[type="submit"]`)
	b.WaitText("#gen-result .error", "it must start with curl")
	require.True(t, strings.Contains(source(), "/echo-auth"), "the editor keeps the last plan written")
	b.Shoot("new-plan-error")
}
