package functions_test

import (
	"fmt"
	"runtime"
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
	b.ReportMetric(float64(after-before)/n, "bytes/conn")
	for _, c := range conns {
		c.Close()
	}
}

// inUse is the heap and stack in use after a collection.
func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}
