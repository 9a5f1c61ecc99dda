package deploytest_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redischat/chat/internal/deploytest"
)

func TestAppJSON(t *testing.T) {
	a := decodeAppJSON(t)
	s := decodeService(t, deploytest.ReadFile(t, "service.yaml"))
	if a.Name == "" {
		t.Error("app.json has no name: the service would be named after the folder")
	}
	names := make([]string, 0, len(a.Env))
	for n := range a.Env {
		names = append(names, n)
	}
	deploytest.CheckEnvNames(t, "app.json", names)
	if e, ok := a.Env["REDIS_ADDRESS"]; !ok || e.Required == nil || !*e.Required {
		t.Error("app.json must ask for REDIS_ADDRESS, required")
	}
	if e, ok := a.Env["REDIS_PASSWORD"]; !ok || e.Value != "" || e.Generator != "" {
		t.Error("app.json must ask for REDIS_PASSWORD, with no default")
	}
	if a.Build.Skip != nil && *a.Build.Skip {
		t.Error("app.json skips the build: the button must build the Dockerfile")
	}
	if a.Build.Buildpacks.Builder != "" {
		t.Error("app.json names a buildpacks builder: the button would then ignore the Dockerfile")
	}
	if port := s.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort; a.Options.Port != 0 && a.Options.Port != port {
		t.Errorf("app.json port %d, service.yaml containerPort %d", a.Options.Port, port)
	}
	if len(a.Hooks.PostCreate.Commands) == 0 {
		t.Error("app.json has no postcreate hook")
	}
	// A docker-compose file at the root would make the button deploy it
	// instead of the Dockerfile.
	for _, f := range []string{"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"} {
		if _, err := os.Stat(deploytest.Root(t) + "/" + f); err == nil {
			t.Errorf("%s at the repository's root would hijack the Cloud Run button", f)
		}
	}
}

// hookEnv is the environment the button gives hooks: the service's
// variables plus its own.
func hookEnv(fake *deploytest.FakeGcloud, password string, extra ...string) []string {
	return append([]string{
		"PATH=" + fake.Dir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOOGLE_CLOUD_PROJECT=my-project",
		"GOOGLE_CLOUD_REGION=europe-west1",
		"K_SERVICE=chat",
		"IMAGE_URL=gcr.io/my-project/chat",
		"APP_DIR=/home/user/chat",
		"REDIS_ADDRESS=10.0.0.3:6379",
		"REDIS_PASSWORD=" + password,
	}, extra...)
}

// runHook runs a hook's commands as the button does: each in its own
// `bash -c "set -euo pipefail; set -x; COMMAND"`, in the app's folder.
func runHook(t *testing.T, commands []string, env []string) string {
	t.Helper()
	var all bytes.Buffer
	for _, c := range commands {
		cmd := exec.Command("/bin/bash", "-c", "set -euo pipefail; set -x; "+c)
		cmd.Dir = deploytest.Root(t)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("hook command %q: %v\n%s", c, err, out.Bytes())
		}
		all.Write(out.Bytes())
	}
	return all.String()
}

// flags splits gcloud arguments into positional words and --flag[=value]
// flags (a bare --flag maps to "").
func flags(args []string) (words []string, fl map[string]string) {
	fl = map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); strings.HasPrefix(a, "--") && ok {
			fl[k] = v
		} else if strings.HasPrefix(a, "--") {
			fl[a] = ""
		} else {
			words = append(words, a)
		}
	}
	return words, fl
}

// probeFlag is service.yaml's probe as gcloud's --startup-probe value.
func probeFlag(p *probe) string {
	return fmt.Sprintf("httpGet.path=%s,periodSeconds=%d,timeoutSeconds=%d,failureThreshold=%d",
		p.HTTPGet.Path, p.PeriodSeconds, p.TimeoutSeconds, p.FailureThreshold)
}

// The hooks run under bash as the button runs them, against a stand-in
// gcloud; what they ask gcloud matches service.yaml, gcloud accepts it, and
// the Redis password never reaches the hook's trace output.
func TestAppJSONHooks(t *testing.T) {
	a := decodeAppJSON(t)
	s := decodeService(t, deploytest.ReadFile(t, "service.yaml"))
	tmpl := s.Spec.Template
	c := tmpl.Spec.Containers[0]
	const password = "hook-must-not-print-this"
	fake := deploytest.NewFakeGcloud(t)

	out := runHook(t, a.Hooks.PreCreate.Commands, hookEnv(fake, password))
	out += runHook(t, a.Hooks.PostCreate.Commands, hookEnv(fake, password, "SERVICE_URL=https://chat-xyz.a.run.app"))
	if strings.Contains(out, password) {
		t.Errorf("a hook prints REDIS_PASSWORD (the button runs hooks with set -x):\n%s", out)
	}
	calls := fake.Calls(t)

	var deploy, update map[string]string
	for _, call := range calls {
		words, fl := flags(call)
		switch {
		case slices.Equal(words, []string{"run", "deploy", "chat"}):
			deploy = fl
		case slices.Equal(words, []string{"run", "services", "update", "chat"}):
			update = fl
		}
		if fl["--region"] != "europe-west1" || fl["--project"] != "my-project" {
			t.Errorf("gcloud %s: want --region=$GOOGLE_CLOUD_REGION --project=$GOOGLE_CLOUD_PROJECT", strings.Join(call, " "))
		}
	}
	if deploy == nil {
		t.Fatalf("precreate does not create the service with Direct VPC egress when the subnet exists; gcloud calls: %q", calls)
	}
	if update == nil {
		t.Fatalf("postcreate does not run gcloud run services update $K_SERVICE; gcloud calls: %q", calls)
	}
	if _, public := deploy["--allow-unauthenticated"]; public {
		t.Error("precreate's placeholder service must not be public")
	}
	nics := tmpl.Metadata.Annotations["run.googleapis.com/network-interfaces"]
	if deploy["--network"] != "default" || deploy["--subnet"] != "default" || !strings.Contains(nics, `"network"`) ||
		deploy["--vpc-egress"] != tmpl.Metadata.Annotations["run.googleapis.com/vpc-access-egress"] {
		t.Errorf("precreate network flags %v do not match service.yaml's Direct VPC egress", deploy)
	}
	want := map[string]string{
		"--timeout":          strconv.Itoa(tmpl.Spec.TimeoutSeconds),
		"--session-affinity": "",
		"--concurrency":      strconv.Itoa(tmpl.Spec.ContainerConcurrency),
		"--min-instances":    tmpl.Metadata.Annotations["autoscaling.knative.dev/minScale"],
		"--max-instances":    tmpl.Metadata.Annotations["autoscaling.knative.dev/maxScale"],
		"--cpu-boost":        "",
		"--no-use-http2":     "",
		"--startup-probe":    probeFlag(c.StartupProbe),
		"--liveness-probe":   probeFlag(c.LivenessProbe),
		"--update-env-vars":  "GOOGLE_CLOUD_PROJECT=my-project",
	}
	for k, v := range want {
		if got, ok := update[k]; !ok || got != v {
			t.Errorf("postcreate: %s=%q, want %q (as in service.yaml)", k, got, v)
		}
	}
	if v, ok := update["--update-env-vars"]; ok {
		name, _, _ := strings.Cut(v, "=")
		deploytest.CheckEnvNames(t, "app.json's postcreate hook", []string{name})
	}
	deploytest.CheckGcloud(t, deploytest.Root(t), calls)
}

// Without a subnet named default (or without the Compute API), precreate
// says so and lets the deployment go on.
func TestAppJSONPrecreateWithoutSubnet(t *testing.T) {
	a := decodeAppJSON(t)
	fake := deploytest.NewFakeGcloud(t, deploytest.Answer{Match: "compute networks subnets describe", Exit: 1})
	out := runHook(t, a.Hooks.PreCreate.Commands, hookEnv(fake, "pw"))
	for _, call := range fake.Calls(t) {
		if words, _ := flags(call); slices.Contains(words, "deploy") {
			t.Errorf("precreate deploys without a subnet: gcloud %s", strings.Join(call, " "))
		}
	}
	if !strings.Contains(out, "No subnet named default") {
		t.Errorf("precreate does not explain the missing subnet:\n%s", out)
	}
}
