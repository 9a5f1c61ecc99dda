package client_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// requireTools is the variable that makes a missing browser or Node a
// failure instead of a skip (CI sets it).
const requireTools = "CHAT_REQUIRE_BROWSER"

// skipOrFail skips the test, or fails it when the tools are required.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(requireTools) == "1" {
		t.Fatalf(format+" ("+requireTools+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// TestJavaScriptUnits runs the client's unit tests (test/*.test.js: backoff,
// protocol, state, socket, app) with Node's built-in test runner.
func TestJavaScriptUnits(t *testing.T) {
	node := os.Getenv("CHAT_NODE")
	if node == "" {
		var err error
		if node, err = exec.LookPath("node"); err != nil {
			skipOrFail(t, "node not found on PATH: the JavaScript unit tests need Node 20 or later (or set CHAT_NODE)")
		}
	}
	files, err := filepath.Glob(filepath.Join("test", "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JavaScript tests found in test/: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// go test runs in the package's folder, where package.json makes the
	// .js files ES modules.
	cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test %v:\n%s", files, out)
	if err != nil {
		t.Fatalf("JavaScript unit tests failed: %v", err)
	}
}
