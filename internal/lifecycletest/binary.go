package lifecycletest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// build is the one build of cmd/server of this test run; RemoveBuild
// deletes it when the run ends. asked records that a test asked for it.
var (
	build = sync.OnceValues(buildServer)
	asked atomic.Bool
)

// ServerBinary returns the path of cmd/server built from this module, once
// per test run (with -race when the tests run with it).
func ServerBinary(t testing.TB) string {
	t.Helper()
	asked.Store(true)
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return b.path
}

// RemoveBuild deletes the build's folder, if there was a build. TestMain
// calls it after the tests.
func RemoveBuild() {
	if !asked.Load() {
		return
	}
	if b, err := build(); err == nil {
		_ = os.RemoveAll(filepath.Dir(b.path))
	}
}

type serverBuild struct{ path string }

func buildServer() (serverBuild, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		return serverBuild{}, fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return serverBuild{}, fmt.Errorf("not inside the module: go env GOMOD is empty")
	}
	dir, err := os.MkdirTemp("", "lifecycletest-")
	if err != nil {
		return serverBuild{}, err
	}
	bin := filepath.Join(dir, "server")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/server")
	cmd := exec.Command(goTool, args...)
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return serverBuild{}, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return serverBuild{path: bin}, nil
}
