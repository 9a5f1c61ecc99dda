package functions

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// benchRequest is a typical channelMessage request of a browser.
const benchRequest = `{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"hey, are we still on for the review at three? I pushed the fix","clientID":"c-5f0e1c9a-77d2-4c1e-9a0b-3f1d2e4c5b6a"}}`

// BenchmarkDecodeRequest measures the decoding of a channelMessage request:
// read is a connection's read of the client's (masked) frame, as
// chatcore.Conn reads it (NextReader, ReadAll up to READ_LIMIT); dispatch
// what the dispatch and the handler do with it before calling the store
// (the envelope, the table lookup, the payload into the handler's struct).
func BenchmarkDecodeRequest(b *testing.B) {
	b.Run("read", func(b *testing.B) {
		ws := replayWS(b, maskedFrame([]byte(benchRequest)))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_, r, err := ws.NextReader()
			if err != nil {
				b.Fatal(err)
			}
			data, err := io.ReadAll(io.LimitReader(r, 65536+1))
			if err != nil || len(data) != len(benchRequest) {
				b.Fatalf("read %d bytes, %v", len(data), err)
			}
		}
	})
	b.Run("dispatch", func(b *testing.B) {
		t, err := newTable(entries())
		if err != nil {
			b.Fatal(err)
		}
		data := []byte(benchRequest)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			typ, payload, err := envelope(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := t[typ]; !ok {
				b.Fatal("channelMessage not in the table")
			}
			c := &Call{Type: typ, Payload: payload}
			var p struct { // channelMessage's payload
				channelRef
				Message  string `json:"message"`
				ClientID string `json:"clientID"`
			}
			if err := c.Decode(&p); err != nil || p.ClientID == "" {
				b.Fatal(err)
			}
		}
	})
}

// maskedFrame is payload as one text frame from a client (masked).
func maskedFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}

// replayWS returns the server side of a websocket whose client sends frame
// again and again, and whose writes go nowhere.
func replayWS(b *testing.B, frame []byte) *websocket.Conn {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	conn := &replayConn{frame: frame}
	// The buffers of the server's upgrader (New).
	up := websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}
	ws, err := up.Upgrade(replayHijacker{httptest.NewRecorder(), conn}, req, nil)
	if err != nil {
		b.Fatal(err)
	}
	return ws
}

// replayHijacker is a ResponseWriter that hands over conn.
type replayHijacker struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (h replayHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// replayConn is a net.Conn that reads frame over and over and takes every
// write.
type replayConn struct {
	net.Conn
	frame []byte
	r     bytes.Reader
}

func (c *replayConn) Read(p []byte) (int, error) {
	if c.r.Len() == 0 {
		c.r.Reset(c.frame)
	}
	return c.r.Read(p)
}

func (*replayConn) Write(p []byte) (int, error)      { return len(p), nil }
func (*replayConn) Close() error                     { return nil }
func (*replayConn) SetWriteDeadline(time.Time) error { return nil }
func (*replayConn) SetReadDeadline(time.Time) error  { return nil }
func (*replayConn) SetDeadline(time.Time) error      { return nil }
func (*replayConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (*replayConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
