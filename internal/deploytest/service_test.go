package deploytest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/deploytest"
)

// Placeholders service.yaml holds for cloudbuild.yaml to fill in.
var placeholders = []string{"IMAGE_URL", "SERVICE_NAME", "PROJECT_ID", "REDIS_HOST_PORT", "VPC_NETWORK", "VPC_SUBNET"}

func TestServiceYAML(t *testing.T) {
	raw := deploytest.ReadFile(t, "service.yaml")
	s := decodeService(t, raw)
	tmpl := s.Spec.Template
	c := tmpl.Spec.Containers[0]

	if s.APIVersion != "serving.knative.dev/v1" || s.Kind != "Service" {
		t.Errorf("apiVersion/kind = %s/%s, want serving.knative.dev/v1/Service", s.APIVersion, s.Kind)
	}
	if s.Metadata.Name != "SERVICE_NAME" {
		t.Errorf("metadata.name = %q, want the placeholder SERVICE_NAME", s.Metadata.Name)
	}
	if c.Image != "IMAGE_URL" {
		t.Errorf("image = %q, want the placeholder IMAGE_URL", c.Image)
	}
	if tmpl.Spec.TimeoutSeconds != 3600 {
		t.Errorf("timeoutSeconds = %d, want 3600 (websockets)", tmpl.Spec.TimeoutSeconds)
	}
	if cc := tmpl.Spec.ContainerConcurrency; cc < 1 || cc > 1000 {
		t.Errorf("containerConcurrency = %d, want 1 to 1000", cc)
	}

	a := tmpl.Metadata.Annotations
	want := map[string]string{
		"run.googleapis.com/sessionAffinity":   "true",
		"run.googleapis.com/startup-cpu-boost": "true",
		"run.googleapis.com/vpc-access-egress": "private-ranges-only",
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("template annotation %s = %q, want %q", k, a[k], v)
		}
	}
	minScale, err1 := strconv.Atoi(a["autoscaling.knative.dev/minScale"])
	maxScale, err2 := strconv.Atoi(a["autoscaling.knative.dev/maxScale"])
	if err1 != nil || err2 != nil || minScale < 0 || maxScale < 1 || minScale > maxScale {
		t.Errorf("minScale/maxScale = %q/%q, want 0 <= min <= max, max >= 1", a["autoscaling.knative.dev/minScale"], a["autoscaling.knative.dev/maxScale"])
	}
	var nics []struct {
		Network    string `json:"network"`
		Subnetwork string `json:"subnetwork"`
	}
	if err := json.Unmarshal([]byte(a["run.googleapis.com/network-interfaces"]), &nics); err != nil || len(nics) != 1 ||
		nics[0].Network != "VPC_NETWORK" || nics[0].Subnetwork != "VPC_SUBNET" {
		t.Errorf("run.googleapis.com/network-interfaces = %q (%v), want one interface on VPC_NETWORK/VPC_SUBNET", a["run.googleapis.com/network-interfaces"], err)
	}

	if len(c.Ports) != 1 || c.Ports[0].Name != "http1" || c.Ports[0].ContainerPort == 0 {
		t.Errorf("ports = %+v, want one port named http1 (no end-to-end HTTP/2)", c.Ports)
	}

	envs := map[string]bool{}
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
		envs[e.Name] = true
		switch e.Name {
		case "REDIS_ADDRESS":
			if e.Value != "REDIS_HOST_PORT" {
				t.Errorf("REDIS_ADDRESS = %q, want the placeholder REDIS_HOST_PORT", e.Value)
			}
		case "REDIS_PASSWORD":
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
				e.ValueFrom.SecretKeyRef.Name == "" || e.ValueFrom.SecretKeyRef.Key == "" {
				t.Errorf("REDIS_PASSWORD must come from Secret Manager (valueFrom.secretKeyRef with name and key), got %+v", e)
			}
		}
	}
	for _, n := range []string{"REDIS_ADDRESS", "REDIS_PASSWORD", "GOOGLE_CLOUD_PROJECT"} {
		if !envs[n] {
			t.Errorf("service.yaml does not set %s", n)
		}
	}
	deploytest.CheckEnvNames(t, "service.yaml", names)

	for name, p := range map[string]*probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe} {
		switch {
		case p == nil || p.HTTPGet == nil:
			t.Errorf("%s: want an httpGet probe", name)
		case p.HTTPGet.Path != "/health":
			t.Errorf("%s path = %q, want /health", name, p.HTTPGet.Path)
		case p.HTTPGet.Port != 0 && p.HTTPGet.Port != c.Ports[0].ContainerPort:
			t.Errorf("%s port = %d, not the container port %d", name, p.HTTPGet.Port, c.Ports[0].ContainerPort)
		case p.PeriodSeconds < 1 || p.TimeoutSeconds < 1 || p.TimeoutSeconds > p.PeriodSeconds || p.FailureThreshold < 1:
			t.Errorf("%s = %+v: Cloud Run wants 1 <= timeoutSeconds <= periodSeconds and failureThreshold >= 1", name, *p)
		}
	}
	if p := c.StartupProbe; p != nil && p.InitialDelaySeconds+p.PeriodSeconds*p.FailureThreshold > 240 {
		t.Errorf("startupProbe allows %ds, more than Cloud Run's 240", p.InitialDelaySeconds+p.PeriodSeconds*p.FailureThreshold)
	}

	// Every setting the issue asks for says why, in a comment.
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ann := []string{"spec", "template", "metadata", "annotations"}
	spec := []string{"spec", "template", "spec"}
	ctr := join(spec, "containers", "*")
	for _, p := range [][]string{
		join(ann, "autoscaling.knative.dev/minScale"),
		join(ann, "autoscaling.knative.dev/maxScale"),
		join(ann, "run.googleapis.com/startup-cpu-boost"),
		join(ann, "run.googleapis.com/sessionAffinity"),
		join(ann, "run.googleapis.com/network-interfaces"),
		join(ann, "run.googleapis.com/vpc-access-egress"),
		join(spec, "timeoutSeconds"),
		join(spec, "containerConcurrency"),
		ctr,
		join(ctr, "ports", "http1"),
		join(ctr, "env", "REDIS_ADDRESS"),
		join(ctr, "env", "REDIS_PASSWORD"),
		join(ctr, "env", "GOOGLE_CLOUD_PROJECT"),
		join(ctr, "startupProbe"),
		join(ctr, "livenessProbe"),
	} {
		commented(t, &doc, p...)
	}
}

// The probes' path is served by the server: 200 when Redis answers.
func TestProbePathIsServed(t *testing.T) {
	s := decodeService(t, deploytest.ReadFile(t, "service.yaml"))
	c := s.Spec.Template.Spec.Containers[0]
	a := chattest.Start(t, chattest.Config(t))
	for _, p := range []*probe{c.StartupProbe, c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Fatal("service.yaml has no httpGet probes")
		}
		resp, err := http.Get(a.URL() + p.HTTPGet.Path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", p.HTTPGet.Path, resp.StatusCode, body)
		}
	}
}

// The rendered service.yaml passes gcloud's own validation of a Knative
// Service (field names and types), which gcloud runs before it needs an
// account.
func TestServiceYAMLPassesGcloud(t *testing.T) {
	if deploytest.RealGcloud() == "" {
		t.Skip("gcloud is not installed: service.yaml not validated by gcloud")
	}
	rendered := renderService(t, decodeCloudBuild(t))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "service.yaml"), rendered, 0o644); err != nil {
		t.Fatal(err)
	}
	deploytest.CheckGcloud(t, dir, [][]string{{"run", "services", "replace", "service.yaml", "--region", "us-central1"}})
}

// join returns a new path: base then more.
func join(base []string, more ...string) []string {
	return append(append(make([]string, 0, len(base)+len(more)), base...), more...)
}
