package chatcore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfigured reports whether the configuration names a Redis server.
func (c Config) RedisConfigured() bool { return c.RedisURL != "" || c.RedisAddress != "" }

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
	if c.RedisTLS || c.RedisCACert != "" {
		if opt.TLSConfig == nil {
			host, _, _ := net.SplitHostPort(opt.Addr)
			opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
		}
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
		opt.TLSConfig.RootCAs = pool
	}
	// A pool large enough for 1000 connections' requests; go-redis's
	// default is 10 per CPU.
	opt.PoolSize = max(opt.PoolSize, 50)
	// Every command honours its context's deadline, and none waits longer
	// than REDIS_TIMEOUT for Redis to read or answer: a stalled or
	// unreachable Redis makes requests fail with 503 within seconds.
	// Commands that go-redis retries after a timeout may run twice; the
	// scripts that write are idempotent for that reason.
	opt.ContextTimeoutEnabled = true
	if c.RedisTimeout > 0 {
		opt.ReadTimeout, opt.WriteTimeout = c.RedisTimeout, c.RedisTimeout
		opt.DialTimeout = min(c.RedisTimeout, 5*time.Second)
	}
	opt.MaxRetries = 2
	// Maintenance notifications are for Redis Enterprise and Redis Cloud
	// (CLIENT MAINT_NOTIFICATIONS); Memorystore and Debian's Redis have none.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return opt, nil
}

// NewRedisClient returns a client for the configured Redis.
func NewRedisClient(c Config) (*redis.Client, error) {
	opt, err := c.RedisOptions()
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}
