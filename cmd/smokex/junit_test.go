package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// junitElement is one element of the JUnit XML schema that Jenkins' xunit
// plugin publishes (junit-10.xsd) and GitLab's JUnit reader follows: the
// children it may have, in the order its xs:sequence gives them, how many
// of each, and its attributes with their types.
type junitElement struct {
	// children in sequence order, with their most occurrences (-1: many).
	children []junitChild
	// attrs maps each allowed attribute to its type; required lists the
	// ones with use="required".
	attrs    map[string]string
	required []string
	// mixed: the element may hold text.
	mixed bool
}

type junitChild struct {
	name string
	max  int
}

// The types of junit-10.xsd's attributes.
const (
	xsString   = "string"
	xsInt      = "int"
	xsTime     = "time"     // SUREFIRE_TIME: a decimal number of seconds
	xsDateTime = "dateTime" // ISO8601_DATETIME_PATTERN, no zone
)

var junitSchema = map[string]junitElement{
	"testsuites": {
		children: []junitChild{{"testsuite", -1}},
		attrs:    map[string]string{"name": xsString, "time": xsTime, "tests": xsInt, "failures": xsInt, "disabled": xsInt, "errors": xsInt},
	},
	"testsuite": {
		children: []junitChild{{"properties", 1}, {"testcase", -1}, {"system-out", 1}, {"system-err", 1}},
		attrs: map[string]string{
			"name": xsString, "tests": xsInt, "failures": xsInt, "errors": xsInt, "time": xsTime, "disabled": xsInt,
			"skipped": xsInt, "timestamp": xsDateTime, "hostname": xsString, "id": xsString, "package": xsString,
			"file": xsString, "log": xsString, "url": xsString, "version": xsString,
		},
		required: []string{"name", "tests"},
	},
	"properties": {children: []junitChild{{"property", -1}}},
	"property":   {attrs: map[string]string{"name": xsString, "value": xsString}, required: []string{"name", "value"}},
	"testcase": {
		children: []junitChild{{"skipped", 1}, {"error", -1}, {"failure", -1}, {"system-out", -1}, {"system-err", -1}},
		attrs: map[string]string{
			"name": xsString, "classname": xsString, "assertions": xsString, "time": xsTime, "status": xsString,
			"file": xsString, "line": xsString,
		},
		required: []string{"name"},
	},
	"skipped":    {attrs: map[string]string{"message": xsString}, mixed: true},
	"error":      {attrs: map[string]string{"message": xsString, "type": xsString}, mixed: true},
	"failure":    {attrs: map[string]string{"message": xsString, "type": xsString}, mixed: true},
	"system-out": {mixed: true},
	"system-err": {mixed: true},
}

var (
	xsTimeRE     = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$`)
	xsDateTimeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
)

// xmlNode is an element as read for the schema check.
type xmlNode struct {
	name     string
	attrs    []xml.Attr
	children []*xmlNode
	text     string
}

func readXML(t *testing.T, doc []byte) *xmlNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the report is not well-formed XML")
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name.Local, attrs: tok.Attr}
			if len(stack) == 0 {
				require.Nil(t, root, "a second root element %s", n.name)
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	require.NotNil(t, root, "no root element")
	return root
}

// checkJUnitSchema validates doc against junitSchema, as xmllint --schema
// junit-10.xsd would, and then checks what GitLab and Jenkins read beyond
// the schema: each suite's counts are those of its cases, the root's the
// sum of its suites', and a case has at most one of failure, error and
// skipped (GitLab shows the first it finds and drops the others).
func checkJUnitSchema(t *testing.T, doc []byte) {
	t.Helper()
	root := readXML(t, doc)
	require.Equal(t, "testsuites", root.name, "the root element")
	var check func(n *xmlNode, path string)
	check = func(n *xmlNode, path string) {
		el, ok := junitSchema[n.name]
		require.True(t, ok, "%s: element %s is not in the schema", path, n.name)
		seen := map[string]bool{}
		for _, a := range n.attrs {
			typ, ok := el.attrs[a.Name.Local]
			require.True(t, ok, "%s: attribute %s is not allowed", path, a.Name.Local)
			seen[a.Name.Local] = true
			switch typ {
			case xsInt:
				_, err := strconv.ParseInt(a.Value, 10, 32)
				require.NoError(t, err, "%s: %s=%q is not an xs:int", path, a.Name.Local, a.Value)
			case xsTime:
				require.Regexp(t, xsTimeRE, a.Value, "%s: %s", path, a.Name.Local)
			case xsDateTime:
				require.Regexp(t, xsDateTimeRE, a.Value, "%s: %s", path, a.Name.Local)
			}
		}
		for _, r := range el.required {
			require.True(t, seen[r], "%s: required attribute %s is missing", path, r)
		}
		if !el.mixed {
			require.Empty(t, strings.TrimSpace(n.text), "%s: text in an element that takes none", path)
		}
		// The children follow the sequence, each within its bound.
		at, count := 0, 0
		for i, c := range n.children {
			for at < len(el.children) && el.children[at].name != c.name {
				at, count = at+1, 0
			}
			require.Less(t, at, len(el.children), "%s: child %s is not allowed there", path, c.name)
			count++
			if max := el.children[at].max; max > 0 {
				require.LessOrEqual(t, count, max, "%s: too many %s", path, c.name)
			}
			check(c, fmt.Sprintf("%s/%s[%d]", path, c.name, i))
		}
	}
	check(root, "/testsuites")

	attr := func(n *xmlNode, name string) int {
		for _, a := range n.attrs {
			if a.Name.Local == name {
				v, err := strconv.Atoi(a.Value)
				require.NoError(t, err)
				return v
			}
		}
		return 0
	}
	var total [4]int
	for _, s := range root.children {
		var n [4]int
		for _, c := range s.children {
			if c.name != "testcase" {
				continue
			}
			n[0]++
			outcomes := 0
			for _, p := range c.children {
				switch p.name {
				case "failure":
					n[1]++
					outcomes++
				case "error":
					n[2]++
					outcomes++
				case "skipped":
					n[3]++
					outcomes++
				}
			}
			require.LessOrEqual(t, outcomes, 1, "a test case with more than one of failure, error and skipped")
		}
		require.Equal(t, n, [4]int{attr(s, "tests"), attr(s, "failures"), attr(s, "errors"), attr(s, "skipped")},
			"suite counts: tests, failures, errors, skipped")
		for i := range n {
			total[i] += n[i]
		}
	}
	require.Equal(t, total[:3], []int{attr(root, "tests"), attr(root, "failures"), attr(root, "errors")},
		"root counts: tests, failures, errors")
}

// failedThenCapture is the plan: a login that gets 401 and then
// cannot capture its token.
const failedThenCapture = `name: login
steps:
  - post:
      name: login
      url: "{{URL}}/denied"
      expect:
        status_code: 200
      save_from_response:
        - variable_name: token
          json_path: $.token
  - get:
      url: "{{URL}}/ok"
`

// TestFailedAssertionThenCaptureError runs a step whose status assertion
// fails and whose capture then finds nothing: every report calls it
// failed, and shows the failed assertion first, then the capture error.
func TestFailedAssertionThenCaptureError(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	path := writePlan(t, dir, "login.yaml", failedThenCapture, srv.URL)
	const status = "status_code: expected 200, received 401"
	const capture = "capture: token: json_path $.token matched nothing"
	inOrder := func(t *testing.T, text string) {
		t.Helper()
		i, j := strings.Index(text, status), strings.Index(text, "token: json_path $.token matched nothing")
		require.True(t, i >= 0 && j > i, "the failed assertion, then the capture error:\n%s", text)
	}

	report := filepath.Join(dir, "r.xml")
	res := runCLI(t, nil, "", "run", "-o", "junit", "--report", report, path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	// The console counts the step failed, not errored.
	require.Contains(t, res.stdout, "0 passed, 1 failed, 1 skipped")
	require.NotContains(t, res.stdout, "errored")
	inOrder(t, res.stdout)

	doc, err := os.ReadFile(report)
	require.NoError(t, err)
	checkJUnitSchema(t, doc)
	var got junitSuites
	require.NoError(t, xml.Unmarshal(doc, &got))
	require.Equal(t, 1, got.Failures)
	require.Equal(t, 0, got.Errors)
	c := got.Suites[0].Cases[0]
	require.Nil(t, c.Error)
	require.NotNil(t, c.Failure)
	require.Equal(t, "status_code", c.Failure.Type)
	require.Equal(t, path+":7:22: "+status+" (and 1 more)", c.Failure.Message)
	require.Equal(t, path+":7:22: "+status+"\n"+capture, c.Failure.Text)

	res = runCLI(t, nil, "", "run", "-o", "json", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	// The wire format has a step's failures before its error.
	order := regexp.MustCompile(`"failures":\s*\[[^\]]*"received":\s*"401"[^\]]*\],\s*"error":\s*\{\s*"kind":\s*"capture"`)
	require.Regexp(t, order, res.stdout)
	var x record.Execution
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &x))
	require.Equal(t, record.StepFailed, x.Steps[0].Outcome())
	require.Equal(t, []string{status, capture}, x.Steps[0].Problems())

	res = runCLI(t, nil, "", "run", "-o", "html", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Contains(t, res.stdout, "0 passed, 1 failed, 1 skipped")
	i, j := strings.Index(res.stdout, "status_code"), strings.Index(res.stdout, "capture: token")
	require.True(t, i >= 0 && j > i, "the failed assertion, then the capture error, in the HTML report")
}

// TestWriteJUnitSchema checks every outcome a report holds against the
// schema, the execution's own error included.
func TestWriteJUnitSchema(t *testing.T) {
	t.Parallel()
	x := sampleExecution()
	x.Steps[1].Error = &record.StepError{Kind: record.ErrCapture, Message: "token: json_path $.token matched nothing"}
	canceled := &record.Execution{PlanID: "slow", Status: record.StatusCanceled, Error: &record.StepError{Kind: record.ErrCanceled, Message: "interrupted"}}
	var buf bytes.Buffer
	require.NoError(t, writeJUnit(&buf, []ranPlan{{file: "plans/checkout.yaml", exec: x}, {exec: canceled}, {exec: passedExecution("a")}}, 0))
	checkJUnitSchema(t, buf.Bytes())
	require.True(t, slices.ContainsFunc(strings.Split(buf.String(), "\n"), func(l string) bool {
		return strings.Contains(l, "capture: token: json_path $.token matched nothing")
	}))
}
