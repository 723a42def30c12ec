package smokex_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCoreStaysLight checks that the core packages do not import the heavy
// adapter dependencies, so that a host that embeds the memory defaults does
// not link them, and the adapters can move to modules of their own.
func TestCoreStaysLight(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	core := []string{".", "./plan/...", "./exec/...", "./storage", "./storage/memory", "./storage/storagetest", "./schedule", "./schedule/scheduletest", "./smokextest", "./admin", "./notify/...", "./metrics", "./record"}
	// Every internal package is core, but for the tests that run on
	// PostgreSQL.
	internal, err := exec.Command("go", "list", "./internal/...").CombinedOutput()
	require.NoError(t, err, string(internal))
	for _, pkg := range strings.Fields(string(internal)) {
		if !strings.HasSuffix(pkg, "/internal/integration") {
			core = append(core, pkg)
		}
	}
	out, err := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, core...)...).CombinedOutput()
	require.NoError(t, err, string(out))
	heavy := []string{"github.com/jackc/pgx", "github.com/riverqueue/river", "go.opentelemetry.io/otel", "github.com/DataDog/datadog-go", "github.com/go-git/"}
	for _, dep := range strings.Fields(string(out)) {
		for _, h := range heavy {
			require.False(t, strings.HasPrefix(dep, h), "a core package depends on %s", dep)
		}
	}
}

// TestContractsStayLeaf checks that the record package imports nothing of
// the project and that the storage contract needs only the records: neither
// links the executor or its libraries (YAML, expr, ojg, goquery, cron).
func TestContractsStayLeaf(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	for pkg, allowed := range map[string][]string{
		"./record":  nil,
		"./storage": {"github.com/smokex/smokex/record"},
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		deps := strings.Fields(string(out))
		self := deps[len(deps)-1]
		for _, dep := range deps[:len(deps)-1] {
			require.Contains(t, allowed, dep, "%s depends on %s", self, dep)
		}
	}
}

// TestContractsDoNotImportEachOther checks the layering that
// docs/architecture.md draws: the record package's consumers (storage,
// notify, metrics, admin, with their subpackages) import record and plan,
// never the executor and never each other, so that each can be read,
// tested and split off alone.
func TestContractsDoNotImportEachOther(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	const mod = "github.com/smokex/smokex"
	groups := []string{"record", "storage", "notify", "metrics", "admin"}
	// admin is a consumer of the engine, as River's UI is of river.Client:
	// admin.New takes a *smokex.Engine and reads the store through it. Its
	// direct imports are checked, the facade and the storage contract
	// allowed; what the facade imports is the facade's.
	direct := map[string][]string{"admin": {mod, mod + "/storage"}}
	for _, g := range groups {
		field := "{{.ImportPath}} {{join .Deps \" \"}}"
		if _, ok := direct[g]; ok {
			field = "{{.ImportPath}} {{join .Imports \" \"}}"
		}
		out, err := exec.Command("go", "list", "-f", field, "./"+g+"/...").CombinedOutput()
		require.NoError(t, err, string(out))
		for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			deps := strings.Fields(line)
			pkg := deps[0]
			for _, dep := range deps[1:] {
				if dep != mod && !strings.HasPrefix(dep, mod+"/") {
					continue
				}
				rel := strings.TrimPrefix(strings.TrimPrefix(dep, mod), "/")
				switch {
				case slices.Contains(direct[g], dep):
				case rel == "exec" || strings.HasPrefix(rel, "exec/"):
					t.Errorf("%s imports the executor (%s)", pkg, dep)
				case rel == "":
					t.Errorf("%s imports the facade", pkg)
				default:
					for _, other := range groups {
						if other != g && other != "record" && (rel == other || strings.HasPrefix(rel, other+"/")) {
							t.Errorf("%s imports %s", pkg, dep)
						}
					}
				}
			}
		}
	}
}

// TestHostModuleGraphIsLight builds a throwaway host module that requires
// the core alone and checks its module graph (go list -m all): none of the
// heavy adapters' dependencies is in it, since they live in modules of
// their own (storage/postgres, schedule/river, metrics/otel,
// metrics/datadog, gitsync, cmd/smokex), so that minimum version selection never
// raises a host's own versions of them.
func TestHostModuleGraphIsLight(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	host := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(host, name), []byte(content), 0o644))
	}
	write("go.mod", "module example.com/host\n\ngo 1.26.0\n\nrequire github.com/smokex/smokex v0.0.0-00010101000000-000000000000\n\nreplace github.com/smokex/smokex => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	write("go.sum", string(sum))
	write("main.go", `package main

import (
	"context"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/storage/memory"
)

func main() {
	eng, err := smokex.New(smokex.Config{Store: memory.New(memory.Config{})})
	if err != nil {
		panic(err)
	}
	_ = eng.Stop(context.Background())
}
`)
	cmd := exec.Command("go", "list", "-m", "all")
	cmd.Dir = host
	// The modules come from the cache the core's own build filled; one
	// that the graph names and no build of this tree needed yet (a go.mod
	// of a test dependency of a dependency) is fetched from the
	// configured proxy, as any go command would.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	modules := strings.Fields(string(out))
	require.Contains(t, modules, "github.com/smokex/smokex")
	heavy := []string{"github.com/jackc/pgx", "github.com/riverqueue/", "go.opentelemetry.io/", "github.com/prometheus/", "google.golang.org/grpc", "github.com/chromedp/", "github.com/DataDog/", "github.com/go-git/"}
	for _, m := range modules {
		for _, h := range heavy {
			require.False(t, strings.HasPrefix(m, h), "a host of the core alone has %s in its module graph", m)
		}
	}
}
