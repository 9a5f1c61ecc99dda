package chatcore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/faulttest"
)

// clusterFrom is a client address no limit exempts (chattest.Config exempts
// loopback), so that the shared limits run their scripts.
var clusterFrom = netip.MustParseAddr("192.0.2.10")

// clusterStore returns a store over cc with cfg, and the log its limits
// warn on: a limit check that fails (CROSSSLOT included) lets the request
// through and only logs.
func clusterStore(t *testing.T, cc redis.UniversalClient, cfg chatcore.Config) (*chatcore.Store, *chattest.Buffer) {
	t.Helper()
	log := &chattest.Buffer{}
	n, err := chatcore.New(cfg, cc, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return n.Store(), log
}

// failedOpen returns the limits' fail-open warnings in log as an error.
func failedOpen(log *chattest.Buffer) error {
	if s := log.String(); strings.Contains(s, "abuse limit not checked") {
		return errors.New(strings.TrimSpace(s))
	}
	return nil
}

// TestClusterStore: every Store method that touches Redis, each a sub-test
// named after it, works through a go-redis ClusterClient (issue 10). A
// CROSSSLOT (a script or MULTI over keys of several slots) or any other
// cluster error fails its sub-test; the pub/sub test is in faulttest.
func TestClusterStore(t *testing.T) {
	c := faulttest.StartCluster(t, faulttest.ClusterOptions{Primaries: 3, Replicas: 1})
	cc := c.NewClient(nil)
	cfg := chattest.Config(t)
	keys := chatcore.NewKeys(cfg.KeyPrefix)
	store, _ := clusterStore(t, cc, cfg)
	ctx := context.Background()
	general := chatcore.General()

	var alice, bob chatcore.User
	var aliceKey, bobKey string
	var priv chatcore.Channel
	var hist chatcore.History
	steps := []struct {
		name string
		run  func() error
	}{
		{"SignUp", func() (err error) {
			if alice, err = store.SignUp(ctx, "Alice", "pw-alice"); err != nil {
				return err
			}
			bob, err = store.SignUp(ctx, "Bob", "pw-bob")
			return err
		}},
		{"SignUpFrom_limits", func() error {
			s, log := clusterStore(t, cc, cfg)
			_, err := s.SignUpFrom(ctx, clusterFrom, "Carol", "pw-carol")
			return errors.Join(err, failedOpen(log))
		}},
		{"SignIn_password", func() error {
			u, err := store.SignIn(ctx, "alice", "pw-alice", false)
			if err == nil && u.UUID != alice.UUID {
				err = fmt.Errorf("signed in as %v, want %v", u, alice)
			}
			return err
		}},
		{"SignIn_creates", func() error { _, err := store.SignIn(ctx, "Dave", "pw-dave", true); return err }},
		{"SignInFrom_wrong_then_right_limits", func() error {
			s, log := clusterStore(t, cc, cfg)
			if _, err := s.SignInFrom(ctx, clusterFrom, "alice", "wrong", false); !errors.Is(err, chatcore.ErrBadCredentials) {
				return fmt.Errorf("wrong password: %v, want ErrBadCredentials", err)
			}
			_, err := s.SignInFrom(ctx, clusterFrom, "alice", "pw-alice", false)
			return errors.Join(err, failedOpen(log))
		}},
		{"NewAccessKey", func() (err error) {
			if aliceKey, err = store.NewAccessKey(ctx, alice.UUID); err != nil {
				return err
			}
			bobKey, err = store.NewAccessKey(ctx, bob.UUID)
			return err
		}},
		{"Resume_access_key", func() error {
			u, err := store.Resume(ctx, aliceKey)
			if err == nil && u.UUID != alice.UUID {
				err = fmt.Errorf("resumed %v, want %v", u, alice)
			}
			return err
		}},
		{"TouchAccessKeys", func() error {
			unknown := strings.Repeat("A", len(aliceKey))
			gone, err := store.TouchAccessKeys(ctx, []string{aliceKey, bobKey, unknown})
			if err == nil && (len(gone) != 1 || gone[0] != unknown) {
				err = fmt.Errorf("gone %v, want only the unknown key", gone)
			}
			return err
		}},
		{"UserByID", func() error { _, err := store.UserByID(ctx, bob.UUID); return err }},
		{"ChannelFor", func() (err error) {
			priv, _, err = store.ChannelFor(ctx, alice, bob.UUID)
			return err
		}},
		{"ListUsers_pages", func() error {
			seen, cursor := 0, ""
			for range 10 {
				page, err := store.ListUsers(ctx, 1, cursor, "")
				if err != nil {
					return err
				}
				seen += len(page.Users)
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			if seen != 4 {
				return fmt.Errorf("%d users in the pages, want 4", seen)
			}
			return nil
		}},
		{"MigrateUsers", func() error {
			// An account of the single-slot layout, and its copy.
			legacy := "{users}"
			if err := errors.Join(
				cc.HSet(ctx, cfg.KeyPrefix+legacy+":byname", "carol", "c0ffee00-0000-4000-8000-000000000001").Err(),
				cc.HSet(ctx, cfg.KeyPrefix+legacy+":names", "c0ffee00-0000-4000-8000-000000000001", "Carol").Err(),
				cc.HSet(ctx, cfg.KeyPrefix+legacy+":user:c0ffee00-0000-4000-8000-000000000001",
					"username", "Carol", "password", "x", "created", "2020-01-01T00:00:00Z").Err(),
			); err != nil {
				return err
			}
			n, err := store.MigrateUsers(ctx)
			if err == nil && n != 1 {
				err = fmt.Errorf("copied %d users, want 1", n)
			}
			return err
		}},
		{"SetOnline", func() error { _, err := store.SetOnline(ctx, "i1", alice); return err }},
		{"RenewOnline_NOSCRIPT", func() error {
			if err := cc.ScriptFlush(ctx).Err(); err != nil { // as after a restart: the pipeline's EVALSHA fails
				return err
			}
			_, err := store.RenewOnline(ctx, "i1", []chatcore.User{alice, bob})
			return err
		}},
		{"AddMember_general", func() error { _, err := store.AddMember(ctx, general, alice.UUID); return err }},
		{"AddMember_private", func() error { _, err := store.AddMember(ctx, priv, alice.UUID); return err }},
		{"Send_general", func() error {
			_, err := store.Send(ctx, alice, general, nil, "hello", "c1")
			if err != nil {
				return err
			}
			again, err := store.Send(ctx, alice, general, nil, "hello", "c1")
			if err == nil && !again.Duplicate {
				err = errors.New("a repeated clientID stored the message again")
			}
			return err
		}},
		{"Send_private_notify", func() error { _, err := store.Send(ctx, alice, priv, &bob, "psst", "c2"); return err }},
		{"Typing", func() error { return store.Typing(ctx, priv, alice) }},
		{"JoinHistory", func() (err error) {
			hist, err = store.JoinHistory(ctx, general, nil, "")
			if err == nil && len(hist.Messages) != 1 {
				err = fmt.Errorf("%d messages, want 1", len(hist.Messages))
			}
			return err
		}},
		{"JoinHistory_since", func() error {
			since := int64(1)
			h, err := store.JoinHistory(ctx, general, &since, hist.Epoch)
			if err == nil && !h.Recovered {
				err = errors.New("not recovered")
			}
			return err
		}},
		{"Page", func() error { _, err := store.Page(ctx, general, 2, 10); return err }},
		{"ReadAfter", func() error { _, err := store.ReadAfter(ctx, general.ID, 1, 10); return err }},
		{"Tops", func() error { return callTops(ctx, store) }},
		{"ReplaceEpoch", func() error {
			e, err := store.ReplaceEpoch(ctx, general.ID, hist.Epoch)
			if err == nil && e == hist.Epoch {
				err = errors.New("the epoch was not replaced")
			}
			return err
		}},
		{"DataEpoch", func() error { _, err := store.DataEpoch(ctx); return err }},
		{"OnlineUsers", func() error { _, err := store.OnlineUsers(ctx); return err }},
		{"SetOffline", func() error { _, err := store.SetOffline(ctx, "i1", alice.UUID); return err }},
		{"SweepPresence", func() error {
			dcfg := cfg
			dcfg.PresenceTTL = -time.Second // the mark of a dead instance: expired at once
			if _, err := chatcore.NewStore(cc, dcfg).SetOnline(ctx, "dead", bob); err != nil {
				return err
			}
			if err := cc.ScriptFlush(ctx).Err(); err != nil { // the sweep's NOSCRIPT path too
				return err
			}
			n, err := store.SweepPresence(ctx, time.Millisecond)
			if err == nil && n != 1 {
				err = fmt.Errorf("swept %d users, want 1", n)
			}
			return err
		}},
		{"MarkRead", func() error { _, err := store.MarkRead(ctx, bob, priv, alice.UUID, 1, ""); return err }},
		{"Channels", func() error {
			st, err := store.Channels(ctx, bob)
			if err == nil && len(st) != 2 {
				err = fmt.Errorf("channels %v, want general and the private one", st)
			}
			return err
		}},
		{"LastNotification", func() error { _, err := store.LastNotification(ctx, bob.UUID); return err }},
		{"NotificationsAfter", func() error { _, err := store.NotificationsAfter(ctx, bob.UUID, "0-0"); return err }},
		{"AllowMessage_limits_NOSCRIPT", func() error {
			if err := cc.ScriptFlush(ctx).Err(); err != nil {
				return err
			}
			s, log := clusterStore(t, cc, cfg)
			return errors.Join(s.AllowMessage(ctx, clusterFrom, alice.UUID), failedOpen(log))
		}},
		{"AllowCall_limits", func() error {
			s, log := clusterStore(t, cc, cfg)
			return errors.Join(s.AllowCall(ctx, clusterFrom, aliceKey), failedOpen(log))
		}},
		{"EndSessions", func() error { return store.EndSessions(ctx, alice.UUID, aliceKey) }},
		{"Send_SEND_REPLICAS_1", func() error {
			// WAIT counts the replicas that have the writes of its own
			// connection: it must run on the channel's primary, on the
			// script's connection. Nine sends, so that a client picking a
			// node for a keyless command in turn or at random is caught.
			rcfg := cfg
			rcfg.SendReplicas, rcfg.SendReplicaWait = 1, 5*time.Second
			s, _ := clusterStore(t, cc, rcfg)
			slot := c.KeySlot(keys.ChannelLog(general.ID))
			owner := c.SlotOwner(slot)
			elsewhere := map[string]int{}
			for i := range 9 {
				before := waitCalls(c)
				if _, err := s.Send(ctx, alice, general, nil, fmt.Sprint("replicated ", i), ""); err != nil {
					return err
				}
				for addr, n := range waitCalls(c) {
					if n > before[addr] && addr != owner {
						elsewhere[addr]++
					}
				}
			}
			if len(elsewhere) > 0 {
				return fmt.Errorf("of 9 sends to general (slot %d, on %s), WAIT ran on other primaries: %v", slot, owner, elsewhere)
			}
			return nil
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.run(); err != nil {
				t.Errorf("%s on Redis Cluster: %v", st.name, err)
			}
		})
	}
}

// waitCalls returns how many WAIT commands each primary has run.
func waitCalls(c *faulttest.Cluster) map[string]int64 {
	out := map[string]int64{}
	for _, p := range c.Primaries() {
		out[p] = c.CommandCalls(p, "wait")
	}
	return out
}

// callTops calls Store.Tops, whose argument type (position) this package
// cannot name, with one zero position: a channel with no stream.
func callTops(ctx context.Context, store *chatcore.Store) error {
	m := reflect.ValueOf(store).MethodByName("Tops")
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.MakeSlice(m.Type().In(1), 1, 1)})
	err, _ := out[1].Interface().(error)
	return err
}
