package functions_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/internal/chattest"
)

// BenchmarkIdleConnectionMemory opens 1,000 websockets that sign in, join
// general and then idle, and reports the heap and stack they hold per
// connection. The clients live in the same process (with small buffers and
// no goroutine each), so the figure is an upper bound for the server. Each
// sign-in pushes presence to every connection already there, so setting up
// takes n² pushes.
func BenchmarkIdleConnectionMemory(b *testing.B) {
	const n = 1000
	cfg := chattest.Config(b)
	cfg.LogLevel = "warn"
	a := chattest.Start(b, cfg)
	dialer := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256, WriteBufferPool: &sync.Pool{}}
	url := "ws" + strings.TrimPrefix(a.URL(), "http") + "/ws"
	if os.Getenv("CHAT_MEMPROFILE") != "" {
		runtime.MemProfileRate = 4096 // a finer sample than the default 512 KiB
	}
	before := inUse()
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		c, _, err := dialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		for _, f := range []string{
			fmt.Sprintf(`{"type":"signUp","signUp":{"username":"idle%d","password":"pw"}}`, i),
			`{"type":"channelJoin","channelJoin":{"recipientUUID":""}}`,
		} {
			if err := c.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
				b.Fatal(err)
			}
		}
		for { // read to the join reply; pushes after it stay unread in the socket
			_, data, err := c.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(string(data), `{"type":"channelJoin"`) {
				break
			}
		}
	}
	// Drain the presence pushes each sign-in sent to every connection, so
	// that no queue holds frames: what remains is what idling costs. Pub/sub
	// keeps order, so a message sent now comes after every one of them.
	last := conns[len(conns)-1]
	if err := last.WriteMessage(websocket.TextMessage, []byte(`{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"end"}}`)); err != nil {
		b.Fatal(err)
	}
	for _, c := range conns {
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(string(data), `{"type":"channelMessage"`) {
				break
			}
		}
	}
	after := inUse()
	b.ReportMetric(float64(after.total()-before.total())/n, "bytes/conn")
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-bytes/conn")
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-bytes/conn")
	writeProfiles(b)
	for _, c := range conns {
		c.Close()
	}
}

// memory is the heap and the goroutine stacks in use.
type memory struct{ heap, stack int64 }

func (m memory) total() int64 { return m.heap + m.stack }

// inUse is the heap and stack in use after a collection.
func inUse() memory {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{heap: int64(m.HeapInuse), stack: int64(m.StackInuse)}
}

// writeProfiles writes a heap profile to the file CHAT_MEMPROFILE names,
// and the goroutines to that name with ".goroutines" appended, while the
// connections are still open: go test's -memprofile is written after they
// closed.
func writeProfiles(b *testing.B) {
	name := os.Getenv("CHAT_MEMPROFILE")
	if name == "" {
		return
	}
	b.Logf("%d goroutines", runtime.NumGoroutine())
	for file, profile := range map[string]string{name: "heap", name + ".goroutines": "goroutine"} {
		f, err := os.Create(file)
		if err != nil {
			b.Fatal(err)
		}
		debug := 0
		if profile == "goroutine" {
			debug = 1
		}
		if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
