package functions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redischat/chat/chatcore"
)

// The fuzz targets run the real handlers without a Redis: the node's client
// answers every command with errStorage, before it dials. A request that
// gets errStorage back has passed its decoding and every check made before
// the store is asked, which is what a fuzz target can judge; the targets are
// fast and deterministic. The one command a request gets to send is checked
// on the way (storeGate): one that Redis would refuse is a 500 for the
// client. What a handler sends after a first answer is out of reach here.

// errStorage is the answer of the fuzz targets' Redis client to every command.
var errStorage = errors.New("fuzz: storage reached")

// storeGate is a go-redis hook and limiter that lets no command through:
// each is answered with errStorage, or with an error naming what Redis
// would refuse in it.
type storeGate struct{}

func (storeGate) Allow() error       { return errStorage }
func (storeGate) ReportResult(error) {}

func (storeGate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (storeGate) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(_ context.Context, cmd redis.Cmder) error { return answer([]redis.Cmder{cmd}) }
}

func (storeGate) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(_ context.Context, cmds []redis.Cmder) error { return answer(cmds) }
}

func answer(cmds []redis.Cmder) error {
	err := errStorage
	for _, c := range cmds {
		if fault := commandFault(c.Args()); fault != "" {
			err = fmt.Errorf("fuzz: Redis would refuse %q: %s", c.Args(), fault)
			break
		}
	}
	for _, c := range cmds {
		c.SetErr(err)
	}
	return err
}

// commandFault says what Redis would refuse in a command, "" for nothing:
// for now the bounds of stream ranges, which handlers build from client
// numbers (channelHistory's before).
func commandFault(args []any) string {
	if len(args) < 4 {
		return ""
	}
	switch strings.ToLower(fmt.Sprint(args[0])) {
	case "xrange", "xrevrange":
		for _, a := range args[2:4] {
			if b := fmt.Sprint(a); !isStreamBound(b) {
				return fmt.Sprintf("%q is not a stream ID", b)
			}
		}
	}
	return ""
}

// isStreamBound reports whether s is "-", "+" or a stream ID ms[-seq], both
// unsigned 64-bit numbers, "(" in front for an exclusive bound.
func isStreamBound(s string) bool {
	if s == "-" || s == "+" {
		return true
	}
	ms, seq, hasSeq := strings.Cut(strings.TrimPrefix(s, "("), "-")
	if _, err := strconv.ParseUint(ms, 10, 64); err != nil {
		return false
	}
	_, err := strconv.ParseUint(seq, 10, 64)
	return !hasSeq || err == nil
}

// fuzzUser is the signed-in user of the fuzz targets' sessions.
var fuzzUser = chatcore.User{UUID: fuzzUserUUID, Username: "fuzz"}

// fuzzKey is the access key of the fuzz sessions: of the wrong length, so
// that signOut revokes it without asking the store.
const fuzzKey = "fuzz-key"

// fuzzServer returns a Server over a node whose Redis refuses everything,
// with small limits that fuzzed inputs can reach, and the log its handlers
// write to.
func fuzzServer(tb testing.TB) (*Server, *errLog) {
	tb.Helper()
	cfg := chatcore.DefaultConfig()
	cfg.BcryptCost = 4
	cfg.MaxMessageLength = 64
	cfg.ReadLimit = 2048
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Limiter: storeGate{}, MaxRetries: -1})
	rdb.AddHook(storeGate{})
	tb.Cleanup(func() { _ = rdb.Close() })
	log := &errLog{}
	node, err := chatcore.New(cfg, rdb, slog.New(log))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(node)
	if err != nil {
		tb.Fatal(err)
	}
	return s, log
}

// errLog is a slog handler that keeps the err of the last error logged:
// what errorReply logs for a 500.
type errLog struct {
	mu  sync.Mutex
	err error
}

func (*errLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (l *errLog) WithAttrs([]slog.Attr) slog.Handler         { return l }
func (l *errLog) WithGroup(string) slog.Handler              { return l }

func (l *errLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && a.Key == "err" {
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

// take returns the error logged last and forgets it.
func (l *errLog) take() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.err
	l.err = nil
	return err
}

// fuzzSession is a websocket connection's Session without the connection:
// signed in as fuzzUser, it runs the loads of Join and ShowUsers (which ask
// the store) and keeps every reply.
type fuzzSession struct{ replies [][]byte }

func (*fuzzSession) User() (chatcore.User, bool)                         { return fuzzUser, true }
func (*fuzzSession) SignIn(context.Context, chatcore.User, string) error { return nil }
func (*fuzzSession) SignOut(context.Context) (chatcore.User, string, bool) {
	return fuzzUser, fuzzKey, true
}
func (*fuzzSession) AwaitDelivery(context.Context, chatcore.Channel, int64) {}
func (*fuzzSession) Leave(context.Context) (chatcore.Channel, bool)         { return chatcore.General(), true }
func (s *fuzzSession) Reply(frame []byte)                                   { s.replies = append(s.replies, frame) }
func (*fuzzSession) Stateless() bool                                        { return false }

func (*fuzzSession) Join(ctx context.Context, _ chatcore.Channel, load func(context.Context) (chatcore.Position, error)) error {
	_, err := load(ctx)
	return err
}

func (*fuzzSession) ShowUsers(ctx context.Context, read func(context.Context) (chatcore.UserPage, error)) (chatcore.UserPage, error) {
	return read(ctx)
}

// runFuzzCall runs the handler of typ on payload through the table, as the
// websocket's dispatch does (http false) or as an HTTP function does after
// the access key was checked (http true), and returns its error and replies.
func runFuzzCall(s *Server, typ string, payload []byte, http bool) (error, [][]byte) {
	ctx := context.Background()
	if http {
		sess := &httpSession{}
		_ = sess.SignIn(ctx, fuzzUser, fuzzKey)
		err := s.run(ctx, typ, payload, sess, s.log)
		if sess.reply == nil {
			return err, nil
		}
		return err, [][]byte{sess.reply}
	}
	sess := &fuzzSession{}
	err := s.run(ctx, typ, payload, sess, s.log)
	return err, sess.replies
}

// outcome is what a request came to: answered (code 0, storage false),
// refused with a client error (code), or passed to the store (storage).
type outcome struct {
	code    int
	storage bool
}

func (o outcome) String() string {
	switch {
	case o.storage:
		return "storage reached"
	case o.code == 0:
		return "answered"
	}
	return "error " + strconv.Itoa(o.code)
}

// classify turns a handler's error into its outcome, failing on an error
// that is neither the store's nor a client error with a 4xx code and a
// text: bad input must never be an internal error.
func classify(t *testing.T, what string, err error) outcome {
	t.Helper()
	if err == nil {
		return outcome{}
	}
	if errors.Is(err, errStorage) {
		return outcome{storage: true}
	}
	var e *chatcore.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: internal error for client input: %v", what, err)
	}
	if e.Code < 400 || e.Code > 499 || strings.TrimSpace(e.Message) == "" {
		t.Fatalf("%s: error %d %q, want a 4xx code and a text", what, e.Code, e.Message)
	}
	return outcome{code: e.Code}
}
