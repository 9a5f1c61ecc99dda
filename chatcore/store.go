package chatcore

import (
	"crypto/rand"
	_ "embed"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// Store is the Redis side of the chat: users, access keys, channels,
// messages and presence. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	keys    Keys
	cfg     Config
	scripts scripts
	names   nameCache
	// decoyHash is a bcrypt hash at the configured cost that no password
	// matches, checked for a sign-in of an unknown name (made on first use).
	decoyHash func() []byte
	hashes    hashGate // bounds the bcrypt work of this instance
	limits    *limits  // the abuse limits shared by every instance
	// noLegacy is set once MigrateUsers found no data of the single-slot
	// layout: lookups stop asking it (migrate_users.go).
	noLegacy atomic.Bool
}

// NewStore returns a store over rdb with cfg's keys and limits.
func NewStore(rdb redis.UniversalClient, cfg Config) *Store {
	return &Store{rdb: rdb, keys: NewKeys(cfg.KeyPrefix), cfg: cfg, scripts: loadScripts(), decoyHash: newDecoyHash(cfg.BcryptCost),
		hashes: newHashGate(cfg.BcryptConcurrency), limits: newLimits(rdb, cfg)}
}

// withLog makes the store log to log (the limits' fail-open warnings).
func (s *Store) withLog(log *slog.Logger) *Store {
	s.limits.log = log
	return s
}

// newDecoyHash returns the hash of a random password at cost, made once.
func newDecoyHash(cost int) func() []byte {
	return sync.OnceValue(func() []byte {
		h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
		if err != nil { // an invalid cost, which Validate refuses
			return nil
		}
		return h
	})
}

var (
	//go:embed scripts/create_user.lua
	createUserLua string
	//go:embed scripts/send.lua
	sendLua string
	//go:embed scripts/presence_set.lua
	presenceSetLua string
	//go:embed scripts/presence_renew.lua
	presenceRenewLua string
	//go:embed scripts/presence_remove.lua
	presenceRemoveLua string
	//go:embed scripts/replace_epoch.lua
	replaceEpochLua string
	//go:embed scripts/notify.lua
	notifyLua string
)

// scripts are the Lua scripts of the store. go-redis runs them with EVALSHA
// and falls back to EVAL when Redis does not have them (after a restart).
type scripts struct {
	createUser, send, presenceSet, presenceRenew, presenceRemove, replaceEpoch, notify *redis.Script
}

func loadScripts() scripts {
	return scripts{
		createUser:     redis.NewScript(createUserLua),
		send:           redis.NewScript(sendLua),
		presenceSet:    redis.NewScript(presenceSetLua),
		presenceRenew:  redis.NewScript(presenceRenewLua),
		presenceRemove: redis.NewScript(presenceRemoveLua),
		replaceEpoch:   redis.NewScript(replaceEpochLua),
		notify:         redis.NewScript(notifyLua),
	}
}
