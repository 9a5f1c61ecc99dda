package deploytest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// managedRedis is a real redis-server started for one test, the way managed
// Redis (Memorystore) runs: AUTH required, and TLS with a private CA when
// the build supports it.
type managedRedis struct {
	password string
	plain    string // 127.0.0.1:port, AUTH
	tls      string // 127.0.0.1:port, AUTH over TLS; "" when unsupported
	noTLSWhy string
	caFile   string // PEM of the CA that signed the server's certificate
	otherCA  string // PEM of an unrelated CA
}

// startManagedRedis starts redis-server with --requirepass, and with
// --tls-port and a certificate made here when the build has TLS. It skips
// the test when redis-server is not installed (.ci/run installs it).
func startManagedRedis(t *testing.T) *managedRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it): AUTH and TLS not tested")
	}
	dir := t.TempDir()
	m := &managedRedis{password: "s3cret-" + strconv.Itoa(os.Getpid())}
	m.caFile, m.otherCA = writeCerts(t, dir)
	port := chattest.FreePort(t)
	m.plain = "127.0.0.1:" + strconv.Itoa(port)
	base := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--requirepass", m.password,
		"--save", "", "--appendonly", "no", "--dir", dir}
	tlsPort := chattest.FreePort(t)
	tlsArgs := []string{"--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", filepath.Join(dir, "server.pem"),
		"--tls-key-file", filepath.Join(dir, "server-key.pem"), "--tls-ca-cert-file", m.caFile, "--tls-auth-clients", "no"}
	if out, ok := startRedis(t, bin, append(base, tlsArgs...), m.plain); ok {
		m.tls = "127.0.0.1:" + strconv.Itoa(tlsPort)
		return m
	} else {
		m.noTLSWhy = fmt.Sprintf("this redis-server does not start with --tls-port (built without TLS?): %s", out)
	}
	if out, ok := startRedis(t, bin, base, m.plain); !ok {
		t.Fatalf("redis-server does not start: %s", out)
	}
	return m
}

// startRedis runs redis-server with args until the test ends, and waits
// until addr answers or the process exits.
func startRedis(t *testing.T, bin string, args []string, addr string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out chattest.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err.Error(), false
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return out.String(), false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return "", true
		}
		select {
		case <-exited:
			return out.String(), false
		case <-time.After(20 * time.Millisecond): // next connection attempt
		}
	}
	return "did not listen within 10s: " + out.String(), false
}

// writeCerts makes a CA, a server certificate it signs for 127.0.0.1 and
// localhost, and an unrelated CA, as PEM files in dir.
func writeCerts(t *testing.T, dir string) (caFile, otherCAFile string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	now := time.Now()
	newCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		key := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key, der
	}
	ca, caKey, caDER := newCA("test Redis CA")
	_, _, otherDER := newCA("unrelated CA")
	key := newKey()
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1), Subject: pkix.Name{CommonName: "redis"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, srv, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM("server.pem", "CERTIFICATE", der)
	writePEM("server-key.pem", "PRIVATE KEY", keyDER)
	return writePEM("ca.pem", "CERTIFICATE", caDER), writePEM("other-ca.pem", "CERTIFICATE", otherDER)
}

// ping builds a client from the environment the way the server does
// (LoadConfig, then NewRedisClient) and pings.
func ping(t *testing.T, env map[string]string) error {
	t.Helper()
	for _, name := range []string{"REDIS_URL", "REDIS_ADDRESS", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_DB", "REDIS_TLS", "REDIS_CA_CERT"} {
		t.Setenv(name, env[name]) // restored when the test ends
		if _, set := env[name]; !set {
			os.Unsetenv(name)
		}
	}
	cfg, err := chatcore.LoadConfig()
	if err != nil {
		return err
	}
	rdb, err := chatcore.NewRedisClient(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return err
	}
	// The database number reached is the one configured.
	opt, err := cfg.RedisOptions()
	if err != nil {
		return err
	}
	if db := opt.DB; db != 0 {
		n, err := rdb.Do(ctx, "CLIENT", "INFO").Text()
		if err != nil || !strings.Contains(n, " db="+strconv.Itoa(db)+" ") {
			return fmt.Errorf("client is not on database %d: %q %v", db, n, err)
		}
	}
	return nil
}

func TestRedisAUTH(t *testing.T) {
	m := startManagedRedis(t)
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string // "" for success
	}{
		{"address and password", map[string]string{"REDIS_ADDRESS": m.plain, "REDIS_PASSWORD": m.password}, ""},
		{"address, password and database", map[string]string{"REDIS_ADDRESS": m.plain, "REDIS_PASSWORD": m.password, "REDIS_DB": "3"}, ""},
		{"URL with password and database", map[string]string{"REDIS_URL": "redis://:" + m.password + "@" + m.plain + "/2"}, ""},
		{"URL, password beside it", map[string]string{"REDIS_URL": "redis://" + m.plain, "REDIS_PASSWORD": m.password}, ""},
		{"ACL user default", map[string]string{"REDIS_ADDRESS": m.plain, "REDIS_USERNAME": "default", "REDIS_PASSWORD": m.password}, ""},
		{"wrong password", map[string]string{"REDIS_ADDRESS": m.plain, "REDIS_PASSWORD": "wrong-password"}, "WRONGPASS"},
		{"wrong password in URL", map[string]string{"REDIS_URL": "redis://:wrong-password@" + m.plain}, "WRONGPASS"},
		{"no password", map[string]string{"REDIS_ADDRESS": m.plain}, "NOAUTH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ping(t, tc.env)
			checkErr(t, err, tc.wantErr, m.password, "wrong-password")
		})
	}
	// What the server says when it starts with a wrong password: where, and
	// what Redis answered, never the password.
	t.Run("server start, wrong password", func(t *testing.T) {
		cfg := chatcore.DefaultConfig()
		cfg.RedisAddress, cfg.RedisPassword = m.plain, "wrong-password"
		a, err := app.Start(context.Background(), cfg, nil, nil, "127.0.0.1:0")
		if err == nil {
			_ = a.Shutdown(context.Background())
			t.Fatal("the server started with a wrong Redis password")
		}
		checkErr(t, err, "cannot reach Redis at "+m.plain+": WRONGPASS", "wrong-password")
	})
}

func TestRedisTLS(t *testing.T) {
	m := startManagedRedis(t)
	if m.tls == "" {
		t.Skip(m.noTLSWhy)
	}
	_, port, _ := net.SplitHostPort(m.tls)
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"rediss URL and CA", map[string]string{"REDIS_URL": "rediss://:" + m.password + "@localhost:" + port + "/1", "REDIS_CA_CERT": m.caFile}, ""},
		{"address, REDIS_TLS and CA", map[string]string{"REDIS_ADDRESS": m.tls, "REDIS_TLS": "true", "REDIS_PASSWORD": m.password, "REDIS_CA_CERT": m.caFile}, ""},
		{"address and CA alone turn TLS on", map[string]string{"REDIS_ADDRESS": m.tls, "REDIS_PASSWORD": m.password, "REDIS_CA_CERT": m.caFile}, ""},
		{"rediss without the CA", map[string]string{"REDIS_URL": "rediss://:" + m.password + "@localhost:" + port}, "certificate"},
		{"another CA", map[string]string{"REDIS_URL": "rediss://:" + m.password + "@localhost:" + port, "REDIS_CA_CERT": m.otherCA}, "certificate"},
		{"right CA, wrong password", map[string]string{"REDIS_URL": "rediss://:wrong-password@localhost:" + port, "REDIS_CA_CERT": m.caFile}, "WRONGPASS"},
		{"plain text to the TLS port", map[string]string{"REDIS_ADDRESS": m.tls, "REDIS_PASSWORD": m.password}, "EOF"},
		{"CA file missing", map[string]string{"REDIS_ADDRESS": m.tls, "REDIS_TLS": "true", "REDIS_CA_CERT": m.caFile + ".missing"}, "REDIS_CA_CERT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ping(t, tc.env)
			checkErr(t, err, tc.wantErr, m.password, "wrong-password")
		})
	}
}

// checkErr wants err to be nil, or to contain want; an error never repeats
// a password.
func checkErr(t *testing.T, err error, want string, secrets ...string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("ping: %v", err)
	case want != "" && err == nil:
		t.Fatalf("ping succeeded, want an error containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("ping: %v, want an error containing %q", err, want)
	}
	if err != nil {
		t.Logf("error, as the server would report it: %v", err)
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("the error repeats a password: %v", err)
			}
		}
	}
}
