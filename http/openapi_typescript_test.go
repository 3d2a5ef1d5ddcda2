package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOpenAPIGeneratesATypeScriptClient runs openapi-typescript, a mainstream generator, on
// the document the server serves, checks that no schema or response body came out as never
// or unknown, compiles a small client against the types with tsc --strict, and runs it
// against a live server.
//
// It needs node and the npm packages openapi-typescript and typescript:
//
//	VERITY_NODE          "required" makes missing tools a failure (CI sets it); otherwise
//	                     the test skips, saying what is missing
//	VERITY_NODE_MODULES  where the packages are installed (default
//	                     $HOME/.cache/verity-ci/node_modules, where .ci/run installs them)
func TestOpenAPIGeneratesATypeScriptClient(t *testing.T) {
	t.Parallel()
	node, tsc, generator := typescriptTools(t)
	e := newEnv(t)
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	spec := specOf(t, e)
	var doc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Info struct {
			License struct {
				Name string `json:"name"`
			} `json:"license"`
		} `json:"info"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) < 2 || doc.Servers[0].URL != testPublicURL || doc.Info.License.Name == "" {
		t.Errorf("servers %+v, license %q: a generated SDK needs a base URL, this server's first", doc.Servers, doc.Info.License.Name)
	}
	write(t, filepath.Join(dir, "spec.json"), spec)
	for _, f := range []string{"client.ts", "tsconfig.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tsclient", f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, f), b)
	}

	runTool(t, dir, node, generator, "spec.json", "-o", "api.d.ts")
	types, err := os.ReadFile(filepath.Join(dir, "api.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range untypedLines(string(types)) {
		t.Errorf("api.d.ts: a schema or body without a real type: %s", bad)
	}
	runTool(t, dir, node, tsc, "-p", "tsconfig.json")

	out := runTool(t, dir, node, filepath.Join("out", "client.js"), srv.URL, e.tokens[auditor])
	var got struct {
		Claim   string   `json:"claim"`
		Next    bool     `json:"next"`
		Length  int      `json:"length"`
		Sources []string `json:"sources"`
		Types   []string `json:"types"`
		Fields  int      `json:"fields"`
		When    string   `json:"when"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client printed %s: %v", out, err)
	}
	if got.Claim == "" || !got.Next || got.Length <= 0 || len(got.Types) == 0 || got.Fields == 0 || got.When != "2021-08-27" {
		t.Errorf("the client saw %+v", got)
	}
}

// untypedLines finds never and unknown where a real type belongs: in the component schemas
// and in every request or response body. (The generator also writes never for "no
// parameters" and unknown for response headers it does not know; those are not types of
// Verity's data.)
func untypedLines(ts string) []string {
	var bad []string
	open := regexp.MustCompile(`^(\s*)(schemas|content): \{$`)
	word := regexp.MustCompile(`\b(never|unknown)\b`)
	var closers []string
	for i, line := range strings.Split(ts, "\n") {
		trimmed := strings.TrimSpace(line)
		if m := open.FindStringSubmatch(line); m != nil && (m[2] == "content" || len(closers) == 0) {
			closers = append(closers, m[1]+"};")
			continue
		}
		if len(closers) == 0 {
			continue
		}
		if line == closers[len(closers)-1] {
			closers = closers[:len(closers)-1]
			continue
		}
		if strings.HasPrefix(trimmed, "*") || strings.HasPrefix(trimmed, "/*") {
			continue
		}
		if word.MatchString(line) {
			bad = append(bad, strings.TrimSpace(line)+" (line "+strconv.Itoa(i+1)+")")
		}
	}
	return bad
}

func typescriptTools(t *testing.T) (node, tsc, generator string) {
	t.Helper()
	required := os.Getenv("VERITY_NODE") == "required"
	missing := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("VERITY_NODE=required, but "+format, args...)
		}
		t.Skipf(format+"; skipping the generated-client test (.ci/run installs the tools)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("there is no node on PATH")
	}
	modules := os.Getenv("VERITY_NODE_MODULES")
	if modules == "" {
		home, _ := os.UserHomeDir()
		modules = filepath.Join(home, ".cache", "verity-ci", "node_modules")
	}
	generator = filepath.Join(modules, "openapi-typescript", "bin", "cli.js")
	tsc = filepath.Join(modules, "typescript", "bin", "tsc")
	for _, f := range []string{generator, tsc} {
		if _, err := os.Stat(f); err != nil {
			missing("%s is not installed (npm install --prefix %s openapi-typescript@7 typescript@5)", f, filepath.Dir(modules))
		}
	}
	return node, tsc, generator
}

func runTool(t *testing.T, dir, node string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
