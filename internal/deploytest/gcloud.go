package deploytest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeGcloud is a gcloud stand-in for running deployment scripts without
// Google Cloud: it records each invocation's arguments and prints canned
// answers for the commands whose output scripts use.
type FakeGcloud struct {
	// Dir holds the gcloud script: put it first on PATH.
	Dir   string
	calls string
}

// Answer is a canned output: printed when the words of Match appear next to
// each other in the invocation's arguments, the fake then exiting with
// Exit.
type Answer struct {
	Match  string
	Output string
	Exit   int
}

// NewFakeGcloud writes a fake gcloud answering with answers; other
// invocations print nothing and succeed.
func NewFakeGcloud(t testing.TB, answers ...Answer) *FakeGcloud {
	t.Helper()
	f := &FakeGcloud{Dir: t.TempDir(), calls: t.TempDir()}
	var sb strings.Builder
	sb.WriteString("#!/usr/bin/env bash\n# Fake gcloud written by internal/deploytest.\nset -eu\n")
	sb.WriteString("n=$(ls " + shellQuote(f.calls) + " | wc -l)\n")
	sb.WriteString("printf '%s\\0' \"$@\" > " + shellQuote(f.calls) + "/\"$(printf %06d \"$n\")-$$\"\n")
	// Read what a pipe feeds in (secrets create --data-file=-), as gcloud would.
	sb.WriteString("if [ ! -t 0 ]; then cat > /dev/null; fi\n")
	sb.WriteString("case \" $* \" in\n")
	for _, a := range answers {
		fmt.Fprintf(&sb, "  *%s*) printf '%%s\\n' %s; exit %d ;;\n", shellQuote(" "+strings.Join(strings.Fields(a.Match), " ")+" "), shellQuote(a.Output), a.Exit)
	}
	sb.WriteString("esac\n")
	if err := os.WriteFile(filepath.Join(f.Dir, "gcloud"), []byte(sb.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// Calls returns the argument lists of every invocation so far, in order.
func (f *FakeGcloud) Calls(t testing.TB) [][]string {
	t.Helper()
	entries, err := os.ReadDir(f.calls)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out [][]string
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(f.calls, n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"))
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// noAccount is how gcloud stops once it has parsed and validated a command
// and would now need credentials to call Google Cloud.
const noAccount = "You do not currently have an active account selected"

// RealGcloud returns the installed gcloud, or "" when there is none.
func RealGcloud() string {
	p, _ := exec.LookPath("gcloud")
	return p
}

// CheckGcloud runs each command (gcloud's arguments) through the installed
// gcloud with an empty configuration but a project, in dir: gcloud validates the command,
// its flags and the files it reads (service.yaml for `run services
// replace`, cloudbuild.yaml for `builds submit`) and then stops, having no
// account, before any network call. A command passes when it gets that far
// or succeeds offline. Without gcloud the test is told so and nothing is
// checked. Commands run four at a time.
func CheckGcloud(t testing.TB, dir string, commands [][]string) {
	t.Helper()
	gcloud := RealGcloud()
	if gcloud == "" {
		t.Logf("gcloud is not installed: %d gcloud commands not validated", len(commands))
		return
	}
	seen := map[string]bool{}
	var unique [][]string
	for _, c := range commands {
		if k := strings.Join(c, "\x00"); !seen[k] {
			seen[k] = true
			unique = append(unique, c)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	errs := make([]string, len(unique))
	for i, args := range unique {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = runGcloudOffline(gcloud, dir, args)
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("gcloud %s\nis rejected by gcloud: %s", strings.Join(unique[i], " "), e)
		}
	}
}

// runGcloudOffline returns why gcloud rejects args, or "".
func runGcloudOffline(gcloud, dir string, args []string) string {
	cfg, err := os.MkdirTemp("", "gcloud-config-")
	if err != nil {
		return err.Error()
	}
	defer os.RemoveAll(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gcloud, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + cfg,
		"CLOUDSDK_CONFIG=" + cfg,
		"CLOUDSDK_CORE_DISABLE_PROMPTS=1",
		// A user following the README has a project configured.
		"CLOUDSDK_CORE_PROJECT=my-project",
		"CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1",
		"CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=1",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil || strings.Contains(stderr.String(), noAccount) {
		return ""
	}
	return strings.TrimSpace(stderr.String()) + " (" + err.Error() + ")"
}
