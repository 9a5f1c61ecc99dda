package deploytest_test

import (
	"strings"
	"testing"

	"github.com/redischat/chat/internal/deploytest"
)

// The README's deploy and scripting text says what the issue asks, and
// every shell block of those sections is marked for cmd/server's container
// test, which runs them (a new example cannot be added untested).
func TestReadmeDeploySections(t *testing.T) {
	name, text := deploytest.Readme(t)
	for _, w := range []string{
		"[![Run on Google Cloud](https://deploy.cloud.run/button.svg)](https://deploy.cloud.run)",
		"gcloud builds submit --config cloudbuild.yaml",
		"--format 'value(status.url)'",
		"gcloud auth print-identity-token",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q", name, w)
		}
	}
	blocks, err := deploytest.ShellBlocks(text)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sections := map[string]bool{"Deploy to Cloud Run": true, "With Cloud Build": true, "With the button": true,
		deploytest.ScriptingHeading: true, "When the service keeps IAM on": true, "Logs and metrics": true}
	flows := map[string]string{}
	for _, b := range blocks {
		if sections[b.Section] && len(b.Flows) == 0 {
			t.Errorf("%s line %d (%s): shell block without a <!-- readme-test: cloud|local|skip (reason) --> marker", name, b.Line, b.Section)
		}
		for _, f := range b.Flows {
			flows[f] += b.Code
		}
	}
	for flow, want := range map[string][]string{
		"cloud": {"gcloud builds submit", "gcloud run services describe", "/signIn", "/channelMessage", "/users",
			"Authorization: Bearer $KEY", "gcloud auth print-identity-token", "X-Chat-Access-Key: $KEY"},
		"local": {deploytest.LocalURL, "/signIn", "/channelMessage", "/users", "Authorization: Bearer $KEY", "X-Chat-Access-Key: $KEY"},
	} {
		for _, w := range want {
			if !strings.Contains(flows[flow], w) {
				t.Errorf("%s: the %s flow has no %q", name, flow, w)
			}
		}
	}
	if strings.Contains(flows["local"], "gcloud") {
		t.Errorf("%s: a local example needs gcloud", name)
	}
}

func TestShellBlocks(t *testing.T) {
	text := "# A\n<!-- readme-test: cloud local -->\n\n```sh\necho 1\n```\n" +
		"```json\n{}\n```\n## B\n<!-- readme-test: skip (why) -->\n```bash\necho 2\n```\n```sh\necho 3\n```\n"
	blocks, err := deploytest.ShellBlocks(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want 3: %+v", len(blocks), blocks)
	}
	if b := blocks[0]; b.Section != "A" || !b.Marked("cloud") || !b.Marked("local") || b.Code != "echo 1\n" {
		t.Errorf("block 0 = %+v", b)
	}
	if b := blocks[1]; b.Section != "B" || !b.Marked("skip") || b.Marked("cloud") {
		t.Errorf("block 1 = %+v", b)
	}
	if b := blocks[2]; len(b.Flows) != 0 {
		t.Errorf("block 2 = %+v, want no flows", b)
	}
	if _, err := deploytest.ShellBlocks("<!-- readme-test: clould -->\n```sh\nx\n```\n"); err == nil {
		t.Error("a misspelt flow is accepted")
	}
	if s := deploytest.FlowScript(blocks, "local"); !strings.Contains(s, "echo 1") || strings.Contains(s, "echo 2") || strings.Contains(s, "echo 3") {
		t.Errorf("local flow script:\n%s", s)
	}
}
