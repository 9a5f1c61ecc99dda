package chatcore

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// BatchConn is a websocket's network connection whose writes, between Hold
// and Flush, are gathered and sent with one write: a connection's writer
// holds it while it writes every frame queued, so a burst of frames costs
// one syscall instead of one each. Outside Hold every write goes straight
// through. Buffers come from a pool while held, so an idle connection has
// none.
type BatchConn struct {
	net.Conn

	mu   sync.Mutex
	hold bool
	buf  *[]byte
}

// batchFlushAt is how much a held connection gathers before it writes
// anyway.
const batchFlushAt = 32 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Write writes p, or gathers it while the connection is held.
func (b *BatchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.hold {
		return b.Conn.Write(p)
	}
	*b.buf = append(*b.buf, p...)
	if len(*b.buf) >= batchFlushAt {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Hold gathers the writes that follow, until Flush.
func (b *BatchConn) Hold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.hold {
		b.hold = true
		b.buf = batchBufs.Get().(*[]byte)
	}
}

// Flush writes what was gathered and ends the hold.
func (b *BatchConn) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.hold {
		return nil
	}
	err := b.flushLocked()
	b.hold = false
	if cap(*b.buf) <= 64<<10 {
		*b.buf = (*b.buf)[:0]
		batchBufs.Put(b.buf)
	}
	b.buf = nil
	return err
}

func (b *BatchConn) flushLocked() error {
	if len(*b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(*b.buf)
	*b.buf = (*b.buf)[:0]
	return err
}

// BatchingWriter wraps w so that the connection a websocket upgrade
// hijacks from it is a BatchConn.
func BatchingWriter(w http.ResponseWriter) http.ResponseWriter { return batchingWriter{w} }

type batchingWriter struct{ http.ResponseWriter }

func (w batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &BatchConn{Conn: c}, brw, nil
}

func (w batchingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
