package deploytest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/redischat/chat/internal/deploytest"
)

// The subset of Cloud Run's Knative Service that service.yaml uses. Decoded
// with KnownFields, so a misspelt field fails here before gcloud sees it.
type knService struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Template struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     struct {
				TimeoutSeconds       int         `yaml:"timeoutSeconds"`
				ContainerConcurrency int         `yaml:"containerConcurrency"`
				ServiceAccountName   string      `yaml:"serviceAccountName"`
				Containers           []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type objectMeta struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type container struct {
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Resources struct {
		Limits map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	StartupProbe  *probe `yaml:"startupProbe"`
	LivenessProbe *probe `yaml:"livenessProbe"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port int    `yaml:"port"`
	} `yaml:"httpGet"`
	InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	PeriodSeconds       int `yaml:"periodSeconds"`
	TimeoutSeconds      int `yaml:"timeoutSeconds"`
	FailureThreshold    int `yaml:"failureThreshold"`
}

func decodeService(t *testing.T, b []byte) knService {
	t.Helper()
	var s knService
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("service.yaml: %v", err)
	}
	if len(s.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("service.yaml: want one container, got %d", len(s.Spec.Template.Spec.Containers))
	}
	return s
}

// The subset of Cloud Build's build config that cloudbuild.yaml uses.
type cloudBuild struct {
	Substitutions map[string]string `yaml:"substitutions"`
	Options       struct {
		DynamicSubstitutions bool   `yaml:"dynamicSubstitutions"`
		Logging              string `yaml:"logging"`
	} `yaml:"options"`
	Steps []struct {
		ID         string   `yaml:"id"`
		Name       string   `yaml:"name"`
		Entrypoint string   `yaml:"entrypoint"`
		Args       []string `yaml:"args"`
		Env        []string `yaml:"env"`
		Dir        string   `yaml:"dir"`
	} `yaml:"steps"`
	Images []string `yaml:"images"`
}

func decodeCloudBuild(t *testing.T) cloudBuild {
	t.Helper()
	var c cloudBuild
	dec := yaml.NewDecoder(bytes.NewReader(deploytest.ReadFile(t, "cloudbuild.yaml")))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("cloudbuild.yaml: %v", err)
	}
	return c
}

// The app.json schema of GoogleCloudPlatform/cloud-run-button, which
// rejects unknown fields. Only what every recent version of the button
// accepts: "order" (env) and "http2" (options) are left out on purpose.
type appFile struct {
	Name    string               `json:"name"`
	Env     map[string]appEnvVar `json:"env"`
	Options struct {
		AllowUnauthenticated *bool  `json:"allow-unauthenticated"`
		Memory               string `json:"memory"`
		CPU                  string `json:"cpu"`
		Port                 int    `json:"port"`
	} `json:"options"`
	Build struct {
		Skip       *bool `json:"skip"`
		Buildpacks struct {
			Builder string `json:"builder"`
		} `json:"buildpacks"`
	} `json:"build"`
	Hooks struct {
		PreCreate  appHook `json:"precreate"`
		PostCreate appHook `json:"postcreate"`
		PreBuild   appHook `json:"prebuild"`
		PostBuild  appHook `json:"postbuild"`
	} `json:"hooks"`
}

type appEnvVar struct {
	Description string `json:"description"`
	Value       string `json:"value"`
	Required    *bool  `json:"required"`
	Generator   string `json:"generator"`
}

type appHook struct {
	Commands []string `json:"commands"`
}

func decodeAppJSON(t *testing.T) appFile {
	t.Helper()
	b := deploytest.ReadFile(t, "app.json")
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("app.json: %v", err)
	}
	for k := range top {
		switch k {
		case "name", "env", "options", "build", "hooks":
		default:
			t.Errorf("app.json: top-level field %q: the button accepts name, env, options, build and hooks", k)
		}
	}
	var a appFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("app.json, decoded as the button does (unknown fields rejected): %v", err)
	}
	return a
}

// commented fails unless the mapping key at path in the YAML document has a
// comment of its own (above it or at the end of its line), or, for a
// sequence item, the item has one.
func commented(t *testing.T, doc *yaml.Node, path ...string) {
	t.Helper()
	n := doc
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	var key *yaml.Node
	for _, p := range path {
		key = nil
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					key, n = n.Content[i], n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				if p == "*" || (item.Kind == yaml.MappingNode && hasPair(item, "name", p)) {
					key, n = item, item
					break
				}
			}
		}
		if key == nil {
			t.Errorf("%s: not found", strings.Join(path, "."))
			return
		}
	}
	c := key.HeadComment + key.LineComment
	if key.Kind == yaml.MappingNode && len(key.Content) > 0 {
		c += key.Content[0].HeadComment // a comment above "- name: X" belongs to its first key
	}
	if strings.TrimSpace(c) == "" {
		t.Errorf("%s has no comment saying why", strings.Join(path, "."))
	}
}

func hasPair(m *yaml.Node, k, v string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == k && m.Content[i+1].Value == v {
			return true
		}
	}
	return false
}
