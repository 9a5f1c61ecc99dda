package lifecycletest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// TestConnectionCyclesReturnToBaseline (issue 7, fault test 7): a long day
// of clients coming and going. 1000 connect / sign-in / join / disconnect
// cycles, 20 at a time, ending in every way a socket ends (a close frame, a
// cut socket, a cut in the middle of a join); then the server's goroutines,
// open files and Redis connections come back to what they were before.
func TestConnectionCyclesReturnToBaseline(t *testing.T) {
	chattest.RequireRealRedis(t, "CLIENT LIST")
	const (
		cycles   = 1000
		warmUp   = 60
		parallel = 20
		users    = 40
	)
	cfg := chattest.Config(t)
	cfg.LogLevel = "warn"
	cfg.RedisClientName = "cycles-" + strings.Trim(strings.ReplaceAll(cfg.KeyPrefix, ":", "-"), "-")
	// The pool keeps at most this many idle connections, so that what
	// stays open after the load is what the server holds, not what the
	// pool happened to grow to (up to its 50).
	cfg.RedisURL = withQuery(t, cfg.RedisURL, "max_idle_conns", "4")
	a := chattest.Start(t, cfg)
	adminCfg := cfg
	adminCfg.RedisClientName = cfg.RedisClientName + "-admin"
	admin := chattest.Client(t, adminCfg)

	keys := make([]string, users)
	client := &http.Client{}
	for i := range keys {
		keys[i] = httpSignUp(t, client, a.URL(), fmt.Sprintf("cycler%d", i))
	}
	client.CloseIdleConnections() // no keep-alive connection in the figures
	run := func(from, to int) {
		t.Helper()
		errs := make(chan error, to-from)
		work := make(chan int)
		var wg sync.WaitGroup
		for range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					if err := cycle(a.URL(), i, users, keys[i%users]); err != nil {
						errs <- fmt.Errorf("cycle %d: %w", i, err)
					}
				}
			}()
		}
		for i := from; i < to; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	run(0, warmUp) // pools and buffers at their working size
	base := settle(t, a, admin, cfg.RedisClientName, nil, Figures{})
	start := time.Now()
	run(warmUp, warmUp+cycles)
	ran := time.Since(start)
	busy, _ := Measure(context.Background(), admin, cfg.RedisClientName)
	tol := Figures{Goroutines: 2, OpenFiles: 2, RedisConns: 1}
	settleStart := time.Now()
	after := settle(t, a, admin, cfg.RedisClientName, &base, tol)
	t.Logf("%d cycles (%d at a time) in %s", cycles, parallel, ran.Round(time.Millisecond))
	t.Logf("baseline: %s", base)
	t.Logf("right after: %s", busy)
	t.Logf("settled after %s: %s (tolerance +%d, +%d, +%d)", time.Since(settleStart).Round(time.Millisecond),
		after, tol.Goroutines, tol.OpenFiles, tol.RedisConns)
}

// settle waits until the server has no connection left and then, without
// base, until the figures are the same twice in a row (a baseline), or
// with base, until they are back within tol of it; it returns them. It
// fails after 15 s, with the goroutines that are left.
func settle(t *testing.T, a *app.App, admin redis.UniversalClient, name string, base *Figures, tol Figures) Figures {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var prev Figures
	for i := 0; ; i++ {
		conns, _, _ := a.Node.Hub().Stats()
		f, err := Measure(context.Background(), admin, name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case conns > 0:
		case base == nil && i > 0 && f == prev:
			return f
		case base != nil && f.Within(*base, tol):
			return f
		}
		if time.Now().After(deadline) {
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			t.Fatalf("not settled within 15s: %d connections, %s (baseline %v, tolerance %+v); goroutines:\n%s", conns, f, base, tol, dump.String())
		}
		prev = f
		time.Sleep(100 * time.Millisecond) // goroutines and sockets end without telling: poll
	}
}

// cycle is one client's visit: connect, sign in (every fifth with name and
// password, the others with an access key), join General, and go, in one
// of four ways.
func cycle(baseURL string, i, users int, key string) error {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(baseURL, "http")+"/ws", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	signIn := fmt.Sprintf(`{"type":"signIn","signIn":{"accessKey":%q}}`, key)
	if i%5 == 0 {
		name := fmt.Sprintf("cycler%d", i%users)
		signIn = fmt.Sprintf(`{"type":"signIn","signIn":{"username":%q,"password":%q}}`, name, "pw-"+name)
	}
	for _, f := range []string{signIn, `{"type":"channelJoin","channelJoin":{"recipientUUID":""}}`} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			return err
		}
	}
	if i%4 == 3 {
		return nil // cut before the replies: the server is still in the join
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		var env struct{ Type string }
		if err := json.Unmarshal(data, &env); err != nil {
			return err
		}
		if env.Type == "error" {
			return fmt.Errorf("%s", data)
		}
		if env.Type == "channelJoin" {
			break
		}
	}
	switch i % 4 {
	case 0: // a polite close: close frame, wait for the server's
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return nil
			}
		}
	case 1: // leave the channel, then cut
		return conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"channelLeave","channelLeave":{"recipientUUID":""}}`))
	}
	return nil // cut
}

// httpSignUp signs name up with POST /signUp and returns the access key.
func httpSignUp(t *testing.T, client *http.Client, baseURL, name string) string {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, name, "pw-"+name)
	resp, err := client.Post(baseURL+"/signUp", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Authorized struct {
			AccessKey string `json:"accessKey"`
		} `json:"authorized"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK || env.Authorized.AccessKey == "" {
		t.Fatalf("POST /signUp %s: %d %v", name, resp.StatusCode, err)
	}
	return env.Authorized.AccessKey
}

// withQuery returns rawURL with the query parameter name set to value.
func withQuery(t *testing.T, rawURL, name, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
