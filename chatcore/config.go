package chatcore

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Config is every setting of the service, read once from the environment.
// The envconfig tag is the variable's name; the README's configuration table
// lists the same fields.
type Config struct {
	// Listening.
	Port          string `envconfig:"PORT" desc:"port to listen on (Cloud Run sets it)"`
	ServerAddress string `envconfig:"SERVER_ADDRESS" desc:"host:port to listen on; overrides PORT"`

	// Redis. REDIS_URL wins over the separate variables when set.
	RedisURL        string        `envconfig:"REDIS_URL" desc:"redis:// or rediss:// URL with password and database"`
	RedisAddress    string        `envconfig:"REDIS_ADDRESS" desc:"host:port of Redis"`
	RedisCluster    string        `envconfig:"REDIS_CLUSTER_ADDRESSES" desc:"comma-separated host:port seeds of a Redis Cluster (Memorystore for Redis Cluster: its discovery endpoint); selects cluster mode, instead of REDIS_URL and REDIS_ADDRESS"`
	RedisUsername   string        `envconfig:"REDIS_USERNAME" desc:"Redis ACL user name"`
	RedisPassword   string        `envconfig:"REDIS_PASSWORD" desc:"Redis AUTH password"`
	RedisDB         int           `envconfig:"REDIS_DB" default:"0" desc:"Redis database number"`
	RedisTLS        bool          `envconfig:"REDIS_TLS" default:"false" desc:"connect to Redis over TLS"`
	RedisCACert     string        `envconfig:"REDIS_CA_CERT" desc:"PEM file of the CA that signed the Redis server certificate"`
	RedisClientName string        `envconfig:"REDIS_CLIENT_NAME" default:"chat" desc:"name the server's Redis connections show in CLIENT LIST"`
	RedisTimeout    time.Duration `envconfig:"REDIS_TIMEOUT" default:"3s" desc:"deadline of one Redis command's read or write; a request gets 503 after it"`
	KeyPrefix       string        `envconfig:"KEY_PREFIX" default:"chat:" desc:"prefix of every Redis key and pub/sub channel"`

	// Chat behaviour.
	SessionTTL       time.Duration `envconfig:"SESSION_TTL" default:"24h" desc:"sliding lifetime of an access key"`
	HistoryLimit     int           `envconfig:"HISTORY_LIMIT" default:"50" desc:"messages sent on channelJoin"`
	HistoryMaxPage   int           `envconfig:"HISTORY_MAX_PAGE" default:"200" desc:"largest channelHistory page"`
	RecoveryLimit    int           `envconfig:"RECOVERY_LIMIT" default:"1000" desc:"most messages channelJoin.since recovers"`
	Retention        int           `envconfig:"MESSAGE_RETENTION" default:"10000" desc:"messages kept per channel"`
	MaxMessageLength int           `envconfig:"MAX_MESSAGE_LENGTH" default:"4096" desc:"longest message text, in characters"`
	UsersLimit       int           `envconfig:"USERS_LIMIT" default:"1000" desc:"most users in a users reply"`
	JoinUsersLimit   int           `envconfig:"JOIN_USERS_LIMIT" default:"100" desc:"most members in a channelJoin reply (online first; the rest through users with after)"`
	BcryptCost       int           `envconfig:"BCRYPT_COST" default:"10" desc:"bcrypt cost of password hashes"`
	PositionCheck    time.Duration `envconfig:"POSITION_CHECK" default:"30s" desc:"how often an instance compares its channels' positions with Redis and catches up"`
	SendReplicas     int           `envconfig:"SEND_REPLICAS" default:"0" desc:"replicas that must have a message before it is delivered (Redis WAIT); 0 for none"`
	SendReplicaWait  time.Duration `envconfig:"SEND_REPLICA_TIMEOUT" default:"500ms" desc:"how long a send waits for SEND_REPLICAS before it fails with 503"`

	// Accounts.
	SignInCreatesUsers bool `envconfig:"SIGNIN_CREATES_USERS" default:"true" desc:"signIn with an unknown username creates that user (the original demo's rule); false answers 401 and creates nothing"`
	MinPasswordLength  int  `envconfig:"MIN_PASSWORD_LENGTH" default:"1" desc:"shortest password of a new account, in characters; shorter gets 400"`

	// Connections.
	ReadLimit     int           `envconfig:"READ_LIMIT" default:"65536" desc:"largest frame or HTTP body, in bytes"`
	SendQueue     int           `envconfig:"SEND_QUEUE" default:"256" desc:"frames queued for a client before it is disconnected as too slow"`
	PingInterval  time.Duration `envconfig:"PING_INTERVAL" default:"25s" desc:"websocket ping period; a client silent for 2.5 periods is dropped"`
	WriteTimeout  time.Duration `envconfig:"WRITE_TIMEOUT" default:"10s" desc:"deadline of one websocket write"`
	RateLimit     float64       `envconfig:"RATE_LIMIT" default:"20" desc:"requests per second one websocket may send, on average; more get 429"`
	RateBurst     int           `envconfig:"RATE_BURST" default:"40" desc:"requests one websocket may send at once"`
	AllowedOrigin string        `envconfig:"ALLOWED_ORIGINS" desc:"comma-separated origins allowed to open /ws besides the page's own; * for any"`

	// Abuse limits (SECURITY.md).
	SignInTimeout       time.Duration `envconfig:"SIGNIN_TIMEOUT" default:"10s" desc:"a websocket not signed in this long after it opened or signed out is closed with 1008; 0 for never"`
	SocketsPerAddress   int           `envconfig:"MAX_SOCKETS_PER_ADDRESS" default:"100" desc:"open websockets one client address may hold on one instance; more are refused with 429; 0 for no cap"`
	TrustedProxyHops    int           `envconfig:"TRUSTED_PROXY_HOPS" default:"1" desc:"proxies in front of the server that each append the address they were reached from to X-Forwarded-For: the client address is the entry this many from the end (1: Cloud Run's front end; 2: a load balancer in front of it; 0: the socket's peer, cmd/local's default)"`
	LimitExemptNetworks string        `envconfig:"LIMIT_EXEMPT_NETWORKS" desc:"comma-separated client networks (CIDR) that no per-address limit applies to, nor any limit shared in Redis (cmd/local's default: loopback)"`
	BcryptConcurrency   int           `envconfig:"BCRYPT_CONCURRENCY" default:"0" desc:"password hashes (bcrypt) one instance computes at once; a sign-in beyond gets 429 at once; 0 for half the CPUs (GOMAXPROCS/2), at least 1"`

	// Abuse limits shared by every instance, in Redis: N/period, 0 for none.
	SignInPerAddress  Rate          `envconfig:"LIMIT_SIGNIN_PER_ADDRESS" default:"30/1m" desc:"password sign-ins and sign-ups from one client address (an IPv6 /64)"`
	SignInPerUsername Rate          `envconfig:"LIMIT_SIGNIN_PER_USERNAME" default:"10/1m" desc:"password sign-ins of one username, from any address"`
	SignUpsPerAddress Rate          `envconfig:"LIMIT_SIGNUPS_PER_ADDRESS" default:"10/1h" desc:"new accounts (signUp, or a signIn that creates) from one client address"`
	MessagesPerUser   Rate          `envconfig:"LIMIT_MESSAGES_PER_USER" default:"30/10s" desc:"channelMessage of one user, over all their connections on every instance and HTTP"`
	CallsPerKey       Rate          `envconfig:"LIMIT_CALLS_PER_KEY" default:"120/1m" desc:"HTTP function calls with one access key"`
	CallsPerAddress   Rate          `envconfig:"LIMIT_CALLS_PER_ADDRESS" default:"300/1m" desc:"HTTP function calls from one client address"`
	FailedPasswords   int           `envconfig:"LIMIT_FAILED_PASSWORDS" default:"5" desc:"wrong passwords for one username (since its last good one, within twice LIMIT_PASSWORD_MAX_LOCK) that lock it; 0 for no lock"`
	PasswordLock      time.Duration `envconfig:"LIMIT_PASSWORD_LOCK" default:"30s" desc:"first lock of a username after LIMIT_FAILED_PASSWORDS wrong passwords; each further one doubles it"`
	PasswordMaxLock   time.Duration `envconfig:"LIMIT_PASSWORD_MAX_LOCK" default:"1h" desc:"longest lock of a username"`

	// Presence.
	PresenceRefresh time.Duration `envconfig:"PRESENCE_REFRESH" default:"30s" desc:"how often an instance renews its users' presence"`
	PresenceTTL     time.Duration `envconfig:"PRESENCE_TTL" default:"90s" desc:"presence of a silent instance expires after this"`
	PresenceGrace   time.Duration `envconfig:"PRESENCE_GRACE" default:"5s" desc:"a user whose last connection ended is shown offline after this, unless they come back; 0 for at once"`
	PresenceBatch   time.Duration `envconfig:"PRESENCE_BATCH" default:"500ms" desc:"presence changes, and joins and leaves of the general channel, are gathered this long and sent as one frame per connection; 0 sends each at once"`

	// Operations.
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"8s" desc:"time to drain connections on SIGTERM (Cloud Run allows 10s)"`
	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	ClientDir       string        `envconfig:"CLIENT_DIR" desc:"serve the browser client from this folder instead of the embedded copy (live editing)"`
	KService        string        `envconfig:"K_SERVICE" desc:"set by Cloud Run; switches logs to JSON"`
	MetricsEnabled  bool          `envconfig:"METRICS_ENABLED" default:"false" desc:"serve Prometheus metrics at GET /metrics"`
	CloudProject    string        `envconfig:"GOOGLE_CLOUD_PROJECT" desc:"Google Cloud project ID; links HTTP function logs to Cloud Trace"`
}

// LoadConfig reads the configuration from the environment. An invalid value
// fails with the variable's name.
func LoadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, c.Validate()
}

// DefaultConfig returns the configuration with every default and no
// environment: what tests start from.
func DefaultConfig() Config {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		def, ok := v.Type().Field(i).Tag.Lookup("default")
		if !ok {
			continue
		}
		switch f := v.Field(i); f.Interface().(type) {
		case string:
			f.SetString(def)
		case bool:
			f.SetBool(def == "true")
		case int:
			n, _ := strconv.Atoi(def)
			f.SetInt(int64(n))
		case float64:
			x, _ := strconv.ParseFloat(def, 64)
			f.SetFloat(x)
		case time.Duration:
			d, _ := time.ParseDuration(def)
			f.SetInt(int64(d))
		case Rate:
			r, _ := ParseRate(def)
			f.Set(reflect.ValueOf(r))
		}
	}
	return c
}

// Validate checks ranges that the types alone do not.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("config: %s must be positive, got %d", name, v))
		}
	}
	positive("HISTORY_LIMIT", c.HistoryLimit)
	positive("HISTORY_MAX_PAGE", c.HistoryMaxPage)
	positive("RECOVERY_LIMIT", c.RecoveryLimit)
	positive("MESSAGE_RETENTION", c.Retention)
	positive("MAX_MESSAGE_LENGTH", c.MaxMessageLength)
	positive("USERS_LIMIT", c.UsersLimit)
	positive("JOIN_USERS_LIMIT", c.JoinUsersLimit)
	positive("READ_LIMIT", c.ReadLimit)
	positive("SEND_QUEUE", c.SendQueue)
	positive("RATE_BURST", c.RateBurst)
	if c.RateLimit <= 0 {
		errs = append(errs, fmt.Errorf("config: RATE_LIMIT must be positive, got %g", c.RateLimit))
	}
	durations := map[string]time.Duration{
		"SESSION_TTL": c.SessionTTL, "PING_INTERVAL": c.PingInterval, "WRITE_TIMEOUT": c.WriteTimeout,
		"PRESENCE_REFRESH": c.PresenceRefresh, "POSITION_CHECK": c.PositionCheck, "REDIS_TIMEOUT": c.RedisTimeout,
		"SEND_REPLICA_TIMEOUT": c.SendReplicaWait, "PRESENCE_TTL": c.PresenceTTL, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
	}
	for name, d := range durations {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("config: %s must be positive, got %s", name, d))
		}
	}
	if c.PresenceGrace < 0 || c.PresenceBatch < 0 {
		errs = append(errs, fmt.Errorf("config: PRESENCE_GRACE and PRESENCE_BATCH must not be negative"))
	}
	if c.PresenceTTL <= c.PresenceRefresh {
		errs = append(errs, fmt.Errorf("config: PRESENCE_TTL (%s) must be longer than PRESENCE_REFRESH (%s)", c.PresenceTTL, c.PresenceRefresh))
	}
	if c.MinPasswordLength < 1 || c.MinPasswordLength > MaxPasswordBytes {
		errs = append(errs, fmt.Errorf("config: MIN_PASSWORD_LENGTH must be 1 to %d, got %d", MaxPasswordBytes, c.MinPasswordLength))
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		errs = append(errs, fmt.Errorf("config: BCRYPT_COST must be 4 to 31, got %d", c.BcryptCost))
	}
	if c.SignInTimeout < 0 || c.SocketsPerAddress < 0 || c.TrustedProxyHops < 0 {
		errs = append(errs, fmt.Errorf("config: SIGNIN_TIMEOUT, MAX_SOCKETS_PER_ADDRESS and TRUSTED_PROXY_HOPS must not be negative"))
	}
	if c.BcryptConcurrency < 0 || c.FailedPasswords < 0 {
		errs = append(errs, fmt.Errorf("config: BCRYPT_CONCURRENCY and LIMIT_FAILED_PASSWORDS must not be negative"))
	}
	if c.FailedPasswords > 0 && (c.PasswordLock < time.Millisecond || c.PasswordMaxLock < c.PasswordLock) {
		errs = append(errs, fmt.Errorf("config: LIMIT_PASSWORD_LOCK must be 1ms or more and LIMIT_PASSWORD_MAX_LOCK at least as long"))
	}
	if _, err := ParseNetworks(c.LimitExemptNetworks); err != nil {
		errs = append(errs, fmt.Errorf("config: LIMIT_EXEMPT_NETWORKS: %w", err))
	}
	if c.SendReplicas < 0 {
		errs = append(errs, fmt.Errorf("config: SEND_REPLICAS must not be negative, got %d", c.SendReplicas))
	}
	if c.RedisCluster != "" && (c.RedisURL != "" || c.RedisAddress != "") {
		errs = append(errs, fmt.Errorf("config: REDIS_CLUSTER_ADDRESSES and REDIS_URL or REDIS_ADDRESS are both set: set one"))
	}
	if c.RedisCluster != "" && c.RedisDB != 0 {
		errs = append(errs, fmt.Errorf("config: REDIS_DB must be 0 with REDIS_CLUSTER_ADDRESSES (a cluster has database 0 only), got %d", c.RedisDB))
	}
	if c.RedisDB < 0 {
		errs = append(errs, fmt.Errorf("config: REDIS_DB must not be negative, got %d", c.RedisDB))
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ListenAddress is where to listen: SERVER_ADDRESS, else PORT on every
// interface, else fallback.
func (c Config) ListenAddress(fallback string) string {
	switch {
	case c.ServerAddress != "":
		return c.ServerAddress
	case c.Port != "":
		return ":" + c.Port
	}
	return fallback
}
