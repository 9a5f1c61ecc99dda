package chatcore

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigNamesTheBadVariable(t *testing.T) {
	for name, value := range map[string]string{
		"SESSION_TTL":          "forever",
		"HISTORY_LIMIT":        "many",
		"REDIS_TLS":            "perhaps",
		"SEND_QUEUE":           "0",
		"PRESENCE_TTL":         "10s", // not longer than PRESENCE_REFRESH
		"BCRYPT_COST":          "40",
		"LOG_LEVEL":            "loud",
		"RATE_LIMIT":           "-1",
		"SHUTDOWN_TIMEOUT":     "-1s",
		"MIN_PASSWORD_LENGTH":  "73", // longer than bcrypt reads
		"SIGNIN_CREATES_USERS": "sometimes",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := LoadConfig()
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("%s=%s: error %v, want one naming %s", name, value, err, name)
			}
		})
	}
}

func TestDefaultConfigMatchesLoadConfig(t *testing.T) {
	for _, v := range envVars(t) {
		if _, set := os.LookupEnv(v.name); set {
			t.Setenv(v.name, "")
			os.Unsetenv(v.name)
		}
	}
	loaded, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if def := DefaultConfig(); !reflect.DeepEqual(loaded, def) {
		t.Fatalf("DefaultConfig() = %+v\nLoadConfig() with no variables = %+v", def, loaded)
	}
	if loaded.SessionTTL != 24*time.Hour || loaded.HistoryLimit != 50 || loaded.Retention != 10000 || loaded.ReadLimit != 64<<10 {
		t.Fatalf("defaults differ from the protocol's: %+v", loaded)
	}
}

type envVar struct{ name, def string }

// envVars lists the variables Config reads, from its tags.
func envVars(t *testing.T) []envVar {
	t.Helper()
	typ := reflect.TypeFor[Config]()
	var out []envVar
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("envconfig")
		if name == "" {
			t.Fatalf("field %s has no envconfig tag", f.Name)
		}
		out = append(out, envVar{name, f.Tag.Get("default")})
	}
	return out
}

// TestREADMEListsEveryVariable keeps the README's configuration table true.
func TestREADMEListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars(t) {
		row := regexp.MustCompile("(?m)^\\| `" + v.name + "` \\|\\s*([^|]*?)\\s*\\|")
		m := row.FindSubmatch(readme)
		if m == nil {
			t.Errorf("README.md has no configuration row for %s", v.name)
			continue
		}
		if got := strings.Trim(strings.TrimSpace(string(m[1])), "`"); got != v.def {
			t.Errorf("README.md gives %s the default %q, the code %q", v.name, got, v.def)
		}
	}
}

func TestListenAddress(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "127.0.0.1:5555"},
		{Config{Port: "9000"}, ":9000"},
		{Config{Port: "9000", ServerAddress: "0.0.0.0:1"}, "0.0.0.0:1"},
	}
	for _, c := range cases {
		if got := c.cfg.ListenAddress("127.0.0.1:5555"); got != c.want {
			t.Errorf("%+v: %s, want %s", c.cfg, got, c.want)
		}
	}
}

func TestRedisOptions(t *testing.T) {
	cfg := DefaultConfig()
	if _, err := cfg.RedisOptions(); err == nil {
		t.Fatal("no Redis configured: want an error")
	}
	cfg.RedisURL = "redis://:s3cret@redis.internal:6380/3"
	opt, err := cfg.RedisOptions()
	if err != nil || opt.Addr != "redis.internal:6380" || opt.Password != "s3cret" || opt.DB != 3 || opt.TLSConfig != nil {
		t.Fatalf("options = %+v, %v", opt, err)
	}
	cfg.RedisURL = "redis://:s3cret@bad url"
	if _, err := cfg.RedisOptions(); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v: want one without the password", err)
	}
	cfg = DefaultConfig()
	cfg.RedisAddress, cfg.RedisPassword, cfg.RedisDB, cfg.RedisTLS = "10.0.0.3:6378", "pw", 2, true
	opt, err = cfg.RedisOptions()
	if err != nil || opt.Addr != "10.0.0.3:6378" || opt.Password != "pw" || opt.DB != 2 || opt.TLSConfig == nil || opt.TLSConfig.ServerName != "10.0.0.3" {
		t.Fatalf("options = %+v, %v", opt, err)
	}
	cfg.RedisAddress = "no-port"
	if _, err := cfg.RedisOptions(); err == nil || !strings.Contains(err.Error(), "REDIS_ADDRESS") {
		t.Fatalf("error %v, want one naming REDIS_ADDRESS", err)
	}
}

func TestRedisClusterOptions(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RedisCluster = " 10.0.0.5:6379, 10.0.0.6:6379 "
	cfg.RedisPassword, cfg.RedisTLS, cfg.RedisClientName = "pw", true, "chat-a"
	opt, err := cfg.RedisClusterOptions()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(opt.Addrs, []string{"10.0.0.5:6379", "10.0.0.6:6379"}) || opt.Password != "pw" ||
		opt.ClientName != "chat-a" || opt.TLSConfig == nil || opt.TLSConfig.ServerName != "" ||
		opt.ClusterStateReloadInterval != ClusterStateReload || opt.ReadTimeout != cfg.RedisTimeout {
		t.Fatalf("options = %+v", opt)
	}
	if !cfg.ClusterMode() || !cfg.RedisConfigured() || cfg.Validate() != nil {
		t.Fatalf("cluster mode %v, configured %v, validate %v", cfg.ClusterMode(), cfg.RedisConfigured(), cfg.Validate())
	}
	if name := cfg.RedisName(); name != "cluster 10.0.0.5:6379,10.0.0.6:6379" || strings.Contains(name, "pw") {
		t.Fatalf("name %q", name)
	}
	bad := cfg
	bad.RedisCluster = "10.0.0.5"
	if _, err := bad.RedisClusterOptions(); err == nil || !strings.Contains(err.Error(), "REDIS_CLUSTER_ADDRESSES") {
		t.Fatalf("error %v, want one naming REDIS_CLUSTER_ADDRESSES", err)
	}
	both := cfg
	both.RedisAddress = "10.0.0.3:6379"
	if err := both.Validate(); err == nil || !strings.Contains(err.Error(), "set one") {
		t.Fatalf("cluster and address: %v, want an error", err)
	}
	db := cfg
	db.RedisDB = 1
	if err := db.Validate(); err == nil || !strings.Contains(err.Error(), "REDIS_DB") {
		t.Fatalf("cluster and REDIS_DB 1: %v, want an error", err)
	}
}
