package deploytest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ScriptingHeading is the README section that the scripting test runs.
const ScriptingHeading = "Scripting with gcloud and curl"

// LocalURL is the emulator's address in the README; flows against a test
// server replace it with the server's.
const LocalURL = "http://127.0.0.1:5555"

// Readme returns the name and text of the README, which holds the deploy
// and scripting sections.
func Readme(t testing.TB) (name, text string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^#+ +` + regexp.QuoteMeta(ScriptingHeading) + `\s*$`).Match(b) {
		t.Fatalf("README.md has no section %q", ScriptingHeading)
	}
	return "README.md", string(b)
}

// Block is a fenced shell code block of the README.
type Block struct {
	Line    int      // of the opening fence, from 1
	Section string   // heading above it
	Flows   []string // from the marker comment above it: cloud, local, skip
	Code    string
}

// Marked reports whether the block runs in flow.
func (b Block) Marked(flow string) bool {
	for _, f := range b.Flows {
		if f == flow {
			return true
		}
	}
	return false
}

var (
	fenceRe   = regexp.MustCompile("^```\\s*([A-Za-z0-9_+-]*)")
	markerRe  = regexp.MustCompile(`^<!--\s*readme-test:\s*(.*?)\s*-->$`)
	headingRe = regexp.MustCompile(`^#+\s+(.*?)\s*$`)
)

// ShellBlocks returns the README's fenced sh/bash/shell blocks with the
// flows named by a `<!-- readme-test: cloud local -->` comment right above
// the fence (blank lines between are allowed). A skip marker names no flow
// and carries its reason: `<!-- readme-test: skip (why) -->`.
func ShellBlocks(text string) ([]Block, error) {
	var out []Block
	lines := strings.Split(text, "\n")
	section := ""
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := headingRe.FindStringSubmatch(line); m != nil {
			section = m[1]
			continue
		}
		m := fenceRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		start := i
		var code []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			code = append(code, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: code block not closed", start+1)
		}
		if lang := m[1]; lang != "sh" && lang != "bash" && lang != "shell" {
			continue // not a shell script: markdown, JSON, a transcript...
		}
		b := Block{Line: start + 1, Section: section, Code: strings.Join(code, "\n") + "\n"}
		for j := start - 1; j >= 0; j-- {
			prev := strings.TrimSpace(lines[j])
			if prev == "" {
				continue
			}
			if mm := markerRe.FindStringSubmatch(prev); mm != nil {
				words := strings.Fields(mm[1])
				if len(words) == 0 {
					return nil, fmt.Errorf("line %d: empty readme-test marker", j+1)
				}
				if words[0] == "skip" {
					b.Flows = []string{"skip"}
				} else {
					for _, w := range words {
						if w != "cloud" && w != "local" {
							return nil, fmt.Errorf("line %d: readme-test marker names %q: want cloud, local or skip (reason)", j+1, w)
						}
					}
					b.Flows = words
				}
			}
			break
		}
		out = append(out, b)
	}
	return out, nil
}

// FlowScript is the bash script of one flow: its blocks in README order,
// under `set -euo pipefail`, each announced on stderr.
func FlowScript(blocks []Block, flow string) string {
	var sb strings.Builder
	sb.WriteString("set -euo pipefail\n")
	for _, b := range blocks {
		if !b.Marked(flow) {
			continue
		}
		fmt.Fprintf(&sb, "echo %s >&2\n", shellQuote(fmt.Sprintf("--- README line %d (%s)", b.Line, b.Section)))
		sb.WriteString(b.Code)
	}
	return sb.String()
}

// FlowResult is what a flow printed.
type FlowResult struct {
	Stdout, Stderr string
	Gcloud         [][]string // the gcloud invocations of the cloud flow
}

// RunFlow runs the README's blocks of flow ("cloud" or "local") with bash in
// the repository's root against the chat at baseURL:
//
//   - local: the emulator's URL in the text becomes baseURL; gcloud on PATH
//     fails, because the local examples must not need it.
//   - cloud: gcloud is a FakeGcloud that answers `run services describe`
//     with baseURL and the other commands scripts read with plausible
//     values; its invocations are returned for CheckGcloud.
//
// The blocks' own commands (curl, jq) are real. A failing command fails
// the test with the flow's output.
func RunFlow(t testing.TB, baseURL, flow string) FlowResult {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's commands need %s, which is not installed", tool)
		}
	}
	name, text := Readme(t)
	blocks, err := ShellBlocks(text)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	script := FlowScript(blocks, flow)
	var fake *FakeGcloud
	switch flow {
	case "local":
		script = strings.ReplaceAll(script, LocalURL, baseURL)
		fake = NewFakeGcloud(t)
		if err := os.WriteFile(filepath.Join(fake.Dir, "gcloud"), []byte("#!/bin/sh\necho 'the local examples must not need gcloud' >&2\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	case "cloud":
		fake = NewFakeGcloud(t,
			Answer{Match: "run services describe", Output: baseURL},
			Answer{Match: "auth print-identity-token", Output: "fake-identity-token"},
			Answer{Match: "config get-value project", Output: "my-project"},
			Answer{Match: "projects describe", Output: "123456789"},
			Answer{Match: "redis instances describe", Output: "10.0.0.3"},
			Answer{Match: "redis instances get-auth-string", Output: "fake-auth-string"},
		)
	default:
		t.Fatalf("unknown flow %q", flow)
	}
	if !strings.Contains(script, "curl") {
		t.Fatalf("%s: the %s flow runs no curl command: are its blocks marked <!-- readme-test: %s -->?", name, flow, flow)
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = Root(t)
	cmd.Env = []string{
		"PATH=" + fake.Dir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"LANG=C.UTF-8",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := FlowResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		t.Fatalf("%s, %s flow: %v\nstdout:\n%s\nstderr:\n%s", name, flow, err, res.Stdout, res.Stderr)
	}
	if flow == "cloud" {
		res.Gcloud = fake.Calls(t)
	}
	return res
}
