package deploytest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/deploytest"
)

// builtins are Cloud Build's own substitutions, with the values a test
// build gets.
var builtins = map[string]string{
	"PROJECT_ID": "my-project", "PROJECT_NUMBER": "123456789", "LOCATION": "global",
	"BUILD_ID": "b-1", "COMMIT_SHA": "0123456789abcdef", "SHORT_SHA": "0123456",
	"REPO_NAME": "chat", "BRANCH_NAME": "main", "TAG_NAME": "", "REVISION_ID": "0123456789abcdef",
	"TRIGGER_NAME": "", "SERVICE_ACCOUNT_EMAIL": "", "SERVICE_ACCOUNT": "",
}

var substRe = regexp.MustCompile(`\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|.?)`)

// substitute applies Cloud Build's substitutions to s: $$ is a dollar,
// $NAME and ${NAME} are built-in or user substitutions (user ones already
// expanded, as dynamicSubstitutions does). Any other $ is an error, as it is
// for Cloud Build.
func substitute(s string, user map[string]string) (string, error) {
	var err error
	out := substRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := substRe.FindStringSubmatch(m)
		if sm[1] == "$" {
			return "$"
		}
		name := sm[2] + sm[3]
		if name == "" {
			err = fmt.Errorf("%q: a $ that is neither $$ nor a substitution", s)
			return m
		}
		if v, ok := user[name]; ok {
			return v
		}
		if v, ok := builtins[name]; ok {
			return v
		}
		err = fmt.Errorf("%q: $%s is neither a user substitution of the file nor a Cloud Build built-in", s, name)
		return m
	})
	return out, err
}

// userSubstitutions expands the file's substitutions with each other (the
// dynamicSubstitutions option) and with overrides, as `gcloud builds submit
// --substitutions` passes them.
func userSubstitutions(t *testing.T, c cloudBuild, overrides map[string]string) map[string]string {
	t.Helper()
	subs := map[string]string{}
	for k, v := range c.Substitutions {
		subs[k] = v
	}
	for k, v := range overrides {
		subs[k] = v
	}
	for range 5 {
		for k, v := range subs {
			x, err := substitute(v, subs)
			if err != nil {
				t.Fatalf("substitution %s: %v", k, err)
			}
			subs[k] = x
		}
	}
	for k, v := range subs {
		if strings.Contains(v, "${") {
			t.Fatalf("substitution %s = %q does not resolve", k, v)
		}
	}
	return subs
}

func TestCloudBuildYAML(t *testing.T) {
	c := decodeCloudBuild(t)
	for _, k := range []string{"_REGION", "_REPO", "_SERVICE", "_TAG"} {
		if c.Substitutions[k] == "" {
			t.Errorf("substitution %s has no default", k)
		}
	}
	used := map[string]bool{}
	all := append([]string{}, c.Images...)
	for _, v := range c.Substitutions {
		all = append(all, v)
	}
	for _, s := range c.Steps {
		all = append(all, s.Name, s.Entrypoint, s.Dir)
		all = append(all, s.Args...)
		all = append(all, s.Env...)
	}
	for _, s := range all {
		for _, m := range substRe.FindAllStringSubmatch(s, -1) {
			used[m[2]+m[3]] = true
		}
	}
	userRe := regexp.MustCompile(`^_[A-Z0-9_]+$`)
	for k := range c.Substitutions {
		if !userRe.MatchString(k) {
			t.Errorf("substitution %q: Cloud Build wants user substitutions to match _[A-Z0-9_]+", k)
		}
		if !used[k] {
			t.Errorf("substitution %s is never used", k)
		}
		if strings.Contains(c.Substitutions[k], "$") && !c.Options.DynamicSubstitutions {
			t.Errorf("substitution %s refers to others: options.dynamicSubstitutions must be true", k)
		}
	}
	subs := userSubstitutions(t, c, nil)
	for _, s := range all {
		if _, err := substitute(s, subs); err != nil {
			t.Error(err)
		}
	}

	steps := map[string]string{} // id -> everything it runs, substituted
	for _, s := range c.Steps {
		if s.ID == "" {
			t.Errorf("step %s has no id", s.Name)
		}
		x, _ := substitute(s.Entrypoint+" "+strings.Join(s.Args, " "), subs)
		steps[s.ID] = x
	}
	image := subs["_REGION"] + "-docker.pkg.dev/my-project/" + subs["_REPO"] + "/" + subs["_SERVICE"]
	tag := image + ":" + subs["_TAG"]
	if !regexp.MustCompile(`^[a-z0-9-]+-docker\.pkg\.dev/[^/]+/[^/]+/[^/:@]+$`).MatchString(image) {
		t.Errorf("image %s is not an Artifact Registry Docker image name", image)
	}
	for id, want := range map[string][]string{
		"build":  {"build", "--tag " + tag, " ."},
		"push":   {"docker push \"" + tag + "\"", "RepoDigests", "> image-digest.txt"},
		"render": {"service.yaml > service.rendered.yaml"},
		"deploy": {"gcloud run services replace service.rendered.yaml --region " + subs["_REGION"]},
	} {
		for _, w := range want {
			if !strings.Contains(steps[id], w) {
				t.Errorf("step %s runs %q: want %q in it", id, steps[id], w)
			}
		}
	}
	ids := make([]string, 0, len(c.Steps))
	for _, s := range c.Steps {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "build,push,render,deploy" {
		t.Errorf("steps %s, want build,push,render,deploy in that order", got)
	}
	if len(c.Images) != 1 || c.Images[0] != "${_IMAGE}:${_TAG}" {
		t.Errorf("images = %v, want the built image", c.Images)
	}
}

// renderService runs the render step of cloudbuild.yaml (bash and sed, as
// in the build) in a workspace holding service.yaml and the digest the push
// step would have written, with the default substitutions, and returns the
// rendered service.yaml.
func renderService(t *testing.T, c cloudBuild) []byte {
	t.Helper()
	subs := userSubstitutions(t, c, nil)
	var script string
	for _, s := range c.Steps {
		if s.ID == "render" {
			if s.Entrypoint != "bash" || len(s.Args) != 2 || s.Args[0] != "-c" {
				t.Fatalf("render step: want bash -c SCRIPT, got %s %v", s.Entrypoint, s.Args)
			}
			var err error
			if script, err = substitute(s.Args[1], subs); err != nil {
				t.Fatal(err)
			}
		}
	}
	if script == "" {
		t.Fatal("cloudbuild.yaml has no render step")
	}
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "service.yaml"), deploytest.ReadFile(t, "service.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "image-digest.txt"), []byte(testDigest(subs)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = ws
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("render step: %v\n%s", err, out.Bytes())
	}
	b, err := os.ReadFile(filepath.Join(ws, "service.rendered.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testDigest(subs map[string]string) string {
	return subs["_REGION"] + "-docker.pkg.dev/my-project/" + subs["_REPO"] + "/" + subs["_SERVICE"] +
		"@sha256:" + strings.Repeat("ab", 32)
}

func TestCloudBuildRendersService(t *testing.T) {
	c := decodeCloudBuild(t)
	subs := userSubstitutions(t, c, nil)
	rendered := renderService(t, c)
	for _, p := range placeholders {
		if bytes.Contains(rendered, []byte(p)) {
			t.Errorf("rendered service.yaml still holds the placeholder %s", p)
		}
	}
	s := decodeService(t, rendered)
	ctr := s.Spec.Template.Spec.Containers[0]
	if s.Metadata.Name != subs["_SERVICE"] {
		t.Errorf("name = %q, want _SERVICE %q", s.Metadata.Name, subs["_SERVICE"])
	}
	if ctr.Image != testDigest(subs) {
		t.Errorf("image = %q, want the pushed image by digest %q", ctr.Image, testDigest(subs))
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		env[e.Name] = e.Value
	}
	if env["REDIS_ADDRESS"] != subs["_REDIS_ADDRESS"] || env["GOOGLE_CLOUD_PROJECT"] != "my-project" {
		t.Errorf("env = %v, want REDIS_ADDRESS %s and GOOGLE_CLOUD_PROJECT my-project", env, subs["_REDIS_ADDRESS"])
	}
	var nics []map[string]string
	if err := json.Unmarshal([]byte(s.Spec.Template.Metadata.Annotations["run.googleapis.com/network-interfaces"]), &nics); err != nil ||
		len(nics) != 1 || nics[0]["network"] != subs["_NETWORK"] || nics[0]["subnetwork"] != subs["_SUBNET"] {
		t.Errorf("network-interfaces = %v (%v), want %s/%s", nics, err, subs["_NETWORK"], subs["_SUBNET"])
	}
}

// gcloud reads and validates cloudbuild.yaml (unknown fields, types) before
// it needs an account.
func TestCloudBuildYAMLPassesGcloud(t *testing.T) {
	if deploytest.RealGcloud() == "" {
		t.Skip("gcloud is not installed: cloudbuild.yaml not validated by gcloud")
	}
	deploytest.CheckGcloud(t, deploytest.Root(t), [][]string{
		{"builds", "submit", "--config", "cloudbuild.yaml", "--no-source", "--substitutions=_REGION=europe-west1,_TAG=v1"},
	})
}
