package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// undefinedInBody reads ${order} deep in a body; nothing defines it.
const undefinedInBody = `name: orders
steps:
  - get: {url: "{{URL}}/ok"}
  - post:
      url: "{{URL}}/echo"
      body:
        id: 1
        order: "${order}"
`

// TestRunInterpolationErrorPlace runs a plan whose step reads an
// undefined name: the run-time interpolation error is placed where
// validate's warning for the same name is, in the console, JSON, HTML and
// JUnit.
func TestRunInterpolationErrorPlace(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	path := writePlan(t, dir, "orders.yaml", undefinedInBody, srv.URL)

	res := runCLI(t, nil, "", "validate", path)
	m := regexp.MustCompile(regexp.QuoteMeta(path) + `:(\d+):(\d+): warning: undefined name "order"`).FindStringSubmatch(res.stderr)
	require.NotNil(t, m, res.stderr)
	place := path + ":" + m[1] + ":" + m[2]
	require.Equal(t, path+":8:16", place, "the value that holds ${order}")

	res = runCLI(t, nil, "", "run", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Regexp(t, `error \(interpolation\): body: undefined variable "order"\s+--> `+regexp.QuoteMeta(place)+`\n`, res.stdout)

	res = runCLI(t, nil, "", "run", "-o", "json", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	var x record.Execution
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &x), res.stdout)
	require.Nil(t, x.Steps[0].Error)
	require.Equal(t, &record.StepError{Kind: record.ErrInterpolation, Message: `body: undefined variable "order"`, Line: 8, Column: 16}, x.Steps[1].Error)

	res = runCLI(t, nil, "", "run", "-o", "html", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Contains(t, res.stdout, place+`: interpolation: body: undefined variable &#34;order&#34;`)

	report := filepath.Join(dir, "r.xml")
	res = runCLI(t, nil, "", "run", "-o", "junit", "--report", report, path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	doc, err := os.ReadFile(report)
	require.NoError(t, err)
	checkJUnitSchema(t, doc)
	var got junitSuites
	require.NoError(t, xml.Unmarshal(doc, &got))
	c := got.Suites[0].Cases[1]
	require.NotNil(t, c.Error, string(doc))
	require.Equal(t, place+`: body: undefined variable "order"`, c.Error.Message)
	require.Equal(t, place+`: interpolation: body: undefined variable "order"`, c.Error.Text)
}
