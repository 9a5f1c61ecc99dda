package chatcore_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/redischat/chat/chatcore"
)

// BenchmarkMessageFrame measures the encoding of a channelMessage of
// General, step by step: json is the Message the sender's instance encodes
// (Store.Send); payload the header and frame the bridge carries (built in Go
// by publishStored, in Lua by the send script); deliver what a receiving
// instance does once per message whatever its number of receivers (parse
// the header, remember the frame's sum, prepare it, write it to the first
// connection); write what each further receiver costs (the prepared frame
// written to another connection).
func BenchmarkMessageFrame(b *testing.B) {
	msg := benchMessage(b)
	payload := chatcore.PublishPayload(1234, "e0123456789abcdef", msg)
	b.Run("json", func(b *testing.B) {
		m := benchMessageValue()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("payload", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = chatcore.PublishPayload(1234, "e0123456789abcdef", msg)
		}
	})
	b.Run("deliver", func(b *testing.B) {
		ws := discardWS(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_, frame, ok := chatcore.ParsePayload(payload)
			if !ok {
				b.Fatal("payload not parsed")
			}
			_ = chatcore.FrameSum(frame)
			if err := ws.WritePreparedMessage(chatcore.Prepare(frame)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		_, frame, _ := chatcore.ParsePayload(payload)
		pm := chatcore.Prepare(frame)
		if err := discardWS(b).WritePreparedMessage(pm); err != nil { // the first receiver
			b.Fatal(err)
		}
		ws := discardWS(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := ws.WritePreparedMessage(pm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkErrorFrame measures the error frames: for is the answer to a
// failed channelMessage request, naming its type and clientID (it decodes
// the request again), plain one that names no request.
func BenchmarkErrorFrame(b *testing.B) {
	req := []byte(`{"type":"channelMessage","channelMessage":{"recipientUUID":"","message":"` + benchText + `","clientID":"c-5f0e1c9a-77d2-4c1e-9a0b-3f1d2e4c5b6a"}}`)
	b.Run("for", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = chatcore.ErrorFrameFor(chatcore.CodeRateLimited, "too many requests: slow down", req)
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = chatcore.ErrorFrame(chatcore.CodeInvalid, "binary frames are not supported: send JSON text frames", "")
		}
	})
}

// benchMessageValue is a message of General as Store.Send builds it.
func benchMessageValue() chatcore.Message {
	sender := chatcore.User{UUID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", Username: "alice", OnLine: true}
	return chatcore.Message{
		UUID: "3f333df6-90a4-4fda-8dd3-9485d27cee36", SenderUUID: sender.UUID, Sender: sender,
		Message: benchText, CreatedAt: time.Date(2026, 12, 1, 10, 4, 5, 123456789, time.UTC),
		ClientID: "c-5f0e1c9a-77d2-4c1e-9a0b-3f1d2e4c5b6a",
	}
}

// benchMessage is the stored JSON of benchMessageValue: the send script
// writes the Offset in front.
func benchMessage(b *testing.B) []byte {
	js, err := json.Marshal(benchMessageValue())
	if err != nil {
		b.Fatal(err)
	}
	return append([]byte(`{"Offset":1234,`), js[1:]...)
}

// discardWS returns the server side of a websocket whose writes go nowhere,
// so that a write costs the framing and no syscall.
func discardWS(b *testing.B) *websocket.Conn {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	// The buffers of the server's upgrader (functions.New).
	up := websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}
	ws, err := up.Upgrade(discardHijacker{httptest.NewRecorder()}, req, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ws.Close() })
	return ws
}

// discardHijacker is a ResponseWriter whose connection discards what is written.
type discardHijacker struct{ *httptest.ResponseRecorder }

func (discardHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := discardConn{}
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

// discardConn is a net.Conn that takes every write and has nothing to read.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (discardConn) Close() error                     { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
