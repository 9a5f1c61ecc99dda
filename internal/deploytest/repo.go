package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/redischat/chat/chatcore"
)

// Root returns the repository's root: the folder of go.mod, asked of the go
// command, so that it does not depend on the test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(GoTool(t), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("not inside the module: go env GOMOD is empty")
	}
	return filepath.Dir(mod)
}

// GoTool returns the go command: the one on PATH, else the one of the Go
// installation that built the test.
func GoTool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go command on PATH or in GOROOT: %v", err)
	}
	return p
}

// ReadFile returns the content of a file of the repository.
func ReadFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ConfigEnvNames returns the name of every environment variable the
// configuration reads, from chatcore.Config's envconfig tags: the one list
// of settings there is.
func ConfigEnvNames() map[string]bool {
	names := map[string]bool{}
	typ := reflect.TypeFor[chatcore.Config]()
	for i := range typ.NumField() {
		if name, ok := typ.Field(i).Tag.Lookup("envconfig"); ok && name != "" {
			names[name] = true
		}
	}
	return names
}

// CheckEnvNames fails for every name in names that the configuration does
// not read.
func CheckEnvNames(t testing.TB, where string, names []string) {
	t.Helper()
	known := ConfigEnvNames()
	for _, n := range names {
		if !known[n] {
			t.Errorf("%s sets %s, which chatcore.Config does not read (it reads %s)", where, n, strings.Join(sortedKeys(known), ", "))
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
