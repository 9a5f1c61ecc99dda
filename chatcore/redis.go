package chatcore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfigured reports whether the configuration names a Redis server
// or a Redis Cluster.
func (c Config) RedisConfigured() bool {
	return c.RedisURL != "" || c.RedisAddress != "" || c.RedisCluster != ""
}

// ClusterMode reports whether REDIS_CLUSTER_ADDRESSES selects a Redis
// Cluster.
func (c Config) ClusterMode() bool { return c.RedisCluster != "" }

// RedisName names the configured Redis for logs, without credentials: its
// address, or "cluster" and its seeds.
func (c Config) RedisName() string {
	if c.ClusterMode() {
		return "cluster " + strings.Join(c.clusterSeeds(), ",")
	}
	if opt, err := c.RedisOptions(); err == nil {
		return opt.Addr
	}
	return "(invalid)"
}

func (c Config) clusterSeeds() []string {
	var seeds []string
	for _, a := range strings.Split(c.RedisCluster, ",") {
		if a = strings.TrimSpace(a); a != "" {
			seeds = append(seeds, a)
		}
	}
	return seeds
}

// RedisOptions turns the configuration into go-redis options: REDIS_URL when
// set (redis:// or rediss:// for TLS), else REDIS_ADDRESS with the other
// REDIS_* variables. REDIS_PASSWORD, REDIS_DB and REDIS_TLS also apply on top
// of a URL that leaves them out.
func (c Config) RedisOptions() (*redis.Options, error) {
	var opt *redis.Options
	switch {
	case c.RedisURL != "":
		var err error
		if opt, err = redis.ParseURL(c.RedisURL); err != nil {
			// err may quote the URL, password included: say what is expected instead.
			return nil, errors.New("config: REDIS_URL: cannot parse the URL (expected redis://[user:password@]host:port[/db] or rediss://...)")
		}
	case c.RedisAddress != "":
		if _, _, err := net.SplitHostPort(c.RedisAddress); err != nil {
			return nil, fmt.Errorf("config: REDIS_ADDRESS: %q is not host:port", c.RedisAddress)
		}
		opt = &redis.Options{Addr: c.RedisAddress}
	default:
		return nil, errors.New("config: neither REDIS_URL nor REDIS_ADDRESS is set")
	}
	if opt.Username == "" {
		opt.Username = c.RedisUsername
	}
	if opt.Password == "" {
		opt.Password = c.RedisPassword
	}
	if opt.DB == 0 {
		opt.DB = c.RedisDB
	}
	if opt.ClientName == "" {
		opt.ClientName = c.RedisClientName
	}
	host, _, _ := net.SplitHostPort(opt.Addr)
	tlsConfig, err := c.redisTLS(opt.TLSConfig, host)
	if err != nil {
		return nil, err
	}
	opt.TLSConfig = tlsConfig
	// A pool large enough for 1000 connections' requests; go-redis's
	// default is 10 per CPU.
	opt.PoolSize = max(opt.PoolSize, 50)
	// Every command honours its context's deadline, and none waits longer
	// than REDIS_TIMEOUT for Redis to read or answer: a stalled or
	// unreachable Redis makes requests fail with 503 within seconds.
	// Commands that go-redis retries after a timeout may run twice; the
	// scripts that write are idempotent for that reason.
	opt.ContextTimeoutEnabled = true
	opt.ReadTimeout, opt.WriteTimeout, opt.DialTimeout = c.redisTimeouts()
	opt.MaxRetries = 2
	// Maintenance notifications are for Redis Enterprise and Redis Cloud
	// (CLIENT MAINT_NOTIFICATIONS); Memorystore and Debian's Redis have none.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return opt, nil
}

// ClusterStateReload bounds how long a cluster client goes on with a slot
// map that a failover made wrong: go-redis reloads it at once after MOVED,
// but after a primary dies it only sees refused connections, and its
// default waits 60 s.
const ClusterStateReload = time.Second

// RedisClusterOptions turns the configuration into go-redis cluster
// options: the REDIS_CLUSTER_ADDRESSES seeds with the same credentials,
// TLS, timeouts and retries as a single Redis. PoolSize is per node.
func (c Config) RedisClusterOptions() (*redis.ClusterOptions, error) {
	seeds := c.clusterSeeds()
	if len(seeds) == 0 {
		return nil, errors.New("config: REDIS_CLUSTER_ADDRESSES is not set")
	}
	for _, a := range seeds {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("config: REDIS_CLUSTER_ADDRESSES: %q is not host:port", a)
		}
	}
	// Each node's certificate is checked against the address it is
	// reached at (ServerName left empty: crypto/tls takes the host).
	tlsConfig, err := c.redisTLS(nil, "")
	if err != nil {
		return nil, err
	}
	opt := &redis.ClusterOptions{
		Addrs:                      seeds,
		Username:                   c.RedisUsername,
		Password:                   c.RedisPassword,
		ClientName:                 c.RedisClientName,
		TLSConfig:                  tlsConfig,
		PoolSize:                   50,
		ContextTimeoutEnabled:      true,
		MaxRetries:                 2,
		ClusterStateReloadInterval: ClusterStateReload,
		// One dial per attempt: a dead primary refuses at once, and
		// go-redis's five dials 100 ms apart, per retry and per redirect,
		// held a send until its request timed out (about 5 s) after the
		// replica had already taken over.
		DialerRetries:            1,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	opt.ReadTimeout, opt.WriteTimeout, opt.DialTimeout = c.redisTimeouts()
	return opt, nil
}

func (c Config) redisTimeouts() (read, write, dial time.Duration) {
	if c.RedisTimeout <= 0 {
		return 0, 0, 0
	}
	return c.RedisTimeout, c.RedisTimeout, min(c.RedisTimeout, 5*time.Second)
}

// redisTLS returns the TLS configuration REDIS_TLS and REDIS_CA_CERT ask
// for on top of have (a rediss:// URL's), nil for none.
func (c Config) redisTLS(have *tls.Config, serverName string) (*tls.Config, error) {
	cfg := have
	if cfg == nil && (c.RedisTLS || c.RedisCACert != "") {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	}
	if c.RedisCACert != "" {
		pem, err := os.ReadFile(c.RedisCACert)
		if err != nil {
			return nil, fmt.Errorf("config: REDIS_CA_CERT: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config: REDIS_CA_CERT: %s holds no PEM certificate", c.RedisCACert)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// NewRedisClient returns a client for the configured Redis: a cluster
// client with REDIS_CLUSTER_ADDRESSES, else a single-node one.
func NewRedisClient(c Config) (redis.UniversalClient, error) {
	if c.ClusterMode() {
		opt, err := c.RedisClusterOptions()
		if err != nil {
			return nil, err
		}
		cc := redis.NewClusterClient(opt)
		cc.AddHook(reloadOnNetError{cc})
		return cc, nil
	}
	opt, err := c.RedisOptions()
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}
