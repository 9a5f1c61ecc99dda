package deploytest_test

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/deploytest"
)

func TestDockerfile(t *testing.T) {
	ins, err := deploytest.ParseDockerfile(string(deploytest.ReadFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	final := map[string][]string{} // final stage: instruction -> args
	var buildRun string
	for _, in := range ins {
		if in.Cmd == "FROM" {
			froms = append(froms, in.Args)
		}
		if in.Stage == 0 && in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			buildRun = in.Args
		}
		if in.Stage == 1 {
			final[in.Cmd] = append(final[in.Cmd], in.Args)
		}
	}
	if len(froms) != 2 {
		t.Fatalf("want a two-stage build, got FROM %q", froms)
	}

	// The build stage's Go is at least go.mod's.
	m := regexp.MustCompile(`^golang:(\d+)\.(\d+)\S* +AS +build$`).FindStringSubmatch(froms[0])
	gomod := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(deploytest.ReadFile(t, "go.mod"))
	if m == nil || gomod == nil {
		t.Fatalf("build stage FROM %q: want golang:X.Y AS build (and go.mod a go line)", froms[0])
	}
	if atoi(m[1])*100+atoi(m[2]) < atoi(string(gomod[1]))*100+atoi(string(gomod[2])) {
		t.Errorf("build stage %s is older than go.mod's go %s.%s", froms[0], gomod[1], gomod[2])
	}
	for _, w := range []string{"CGO_ENABLED=0", "go build", "./cmd/server", "-o /out/server"} {
		if !strings.Contains(buildRun, w) {
			t.Errorf("build RUN %q lacks %q", buildRun, w)
		}
	}

	if !regexp.MustCompile(`^gcr\.io/distroless/static[-a-z0-9]*:nonroot$`).MatchString(froms[1]) {
		t.Errorf("final stage FROM %q: want distroless static, nonroot", froms[1])
	}
	if u := final["USER"]; len(u) != 1 || !strings.HasPrefix(u[0], "nonroot") {
		t.Errorf("final stage USER %q: want nonroot", u)
	}
	var entry []string
	if e := final["ENTRYPOINT"]; len(e) != 1 || json.Unmarshal([]byte(e[0]), &entry) != nil || len(entry) != 1 {
		t.Fatalf("ENTRYPOINT %q: want the exec form [\"/binary\"] (no shell in distroless)", e)
	}
	if c := final["COPY"]; len(c) != 1 || c[0] != "--from=build /out/server "+entry[0] {
		t.Errorf("final COPY %q: want --from=build /out/server %s", c, entry[0])
	}
	s := decodeService(t, deploytest.ReadFile(t, "service.yaml"))
	port := strconv.Itoa(s.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort)
	if e := final["ENV"]; len(e) != 1 || e[0] != "PORT="+port {
		t.Errorf("final ENV %q: want PORT=%s, service.yaml's containerPort", e, port)
	}
	if e := final["EXPOSE"]; len(e) != 1 || e[0] != port {
		t.Errorf("EXPOSE %q: want %s", e, port)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// The Dockerfile's build runs in the context .dockerignore leaves, and makes
// a static binary (all distroless/static can run) with the browser client
// embedded.
func TestDockerBuildContext(t *testing.T) {
	ctx := deploytest.CopyContext(t)
	for _, gone := range []string{".git", "Dockerfile", "internal/deploytest/dockerfile_test.go"} {
		if _, err := os.Stat(filepath.Join(ctx, gone)); err == nil {
			t.Errorf("%s is in the build context", gone)
		}
	}
	bin := deploytest.BuildFromContext(t, ctx)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the server binary needs a dynamic loader: not static (CGO_ENABLED=0?)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the server binary links %v: not static", libs)
	}
	index, err := os.ReadFile(filepath.Join(ctx, "client", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, index) {
		t.Error("the server binary does not embed client/index.html")
	}
}

func TestDockerIgnoreMatching(t *testing.T) {
	d, err := deploytest.ParseDockerIgnore("/.git\n*.md\n**/*_test.go\nbin\n")
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{
		".git": true, ".git/config": true, "README.md": true, "docs/x.md": false,
		"a_test.go": true, "functions/x_test.go": true, "functions/x.go": false,
		"bin/server": true, "cmd/bin/x": false, "client/index.html": false,
	} {
		if got := d.Excluded(rel); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", rel, got, want)
		}
	}
	if _, err := deploytest.ParseDockerIgnore("!keep.md\n"); err == nil {
		t.Error("an exception is accepted, but this check does not match exceptions as Docker does")
	}
}
