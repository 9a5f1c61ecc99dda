package chatcore

import (
	"time"

	"github.com/gorilla/websocket"
)

// A connection has a writer goroutine only while it has something to send:
// queueing a frame, a due ping or the close starts one (start), and it
// ends once the queue is empty (writeLoop). Only one runs at a time, so
// frames go out in queue order and nothing else writes frames to the
// socket. An idle connection holds no goroutine, stack or buffer for
// writing; its pings come from a timer.

// startPinger arms the connection's ping timer.
func (c *Conn) startPinger() {
	interval := c.hub.node.cfg.PingInterval
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinger = time.AfterFunc(interval, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closing {
			return
		}
		c.pingDue = true
		c.startLocked()
		c.pinger.Reset(interval)
	})
}

// signal starts a writer for what was queued, unless the connection is
// closing (its last writer is started by closeWith or serve).
func (c *Conn) signal() {
	c.mu.Lock()
	if !c.closing {
		c.startLocked()
	}
	c.mu.Unlock()
}

// startLocked starts a writer goroutine unless one runs or the last one
// has finished.
func (c *Conn) startLocked() {
	if c.writing || c.finished {
		return
	}
	c.writing = true
	go c.writeLoop()
}

// finishLocked records that the last writer is done: none starts again.
func (c *Conn) finishLocked() {
	c.writing, c.finished, c.closing = false, true, true
	c.releaseWaiterLocked()
	if c.pinger != nil {
		c.pinger.Stop()
	}
	close(c.writerDone)
}

// writeLoop writes the queue, a due ping and, once the connection is
// closing, the close frame; it returns when there is nothing left to do.
func (c *Conn) writeLoop() {
	cfg := c.hub.node.cfg
	for {
		c.mu.Lock()
		frames, ping, closing, code, text := c.queue, c.pingDue, c.closing, c.closeCode, c.closeText
		if len(frames) == 0 && !ping && !closing {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.queue, c.pingDue = nil, false
		c.mu.Unlock()
		if ping && !c.ping() {
			c.fail()
			return
		}
		if err := c.writeAll(frames); err != nil {
			c.log.Debug("websocket write failed", "err", err)
			c.fail()
			return
		}
		if closing {
			if code != 0 {
				_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), deadline(cfg.WriteTimeout))
				t := time.NewTimer(time.Second)
				select { // let the client answer the close, briefly
				case <-c.readerDone:
				case <-t.C:
				}
				t.Stop()
			}
			c.fail()
			return
		}
	}
}

// fail cuts the socket and ends the last writer.
func (c *Conn) fail() {
	c.cut()
	c.mu.Lock()
	c.finishLocked()
	c.mu.Unlock()
}

// ping sends a ping.
func (c *Conn) ping() bool {
	return c.ws.WriteControl(websocket.PingMessage, nil, deadline(c.hub.node.cfg.WriteTimeout)) == nil
}

// writeAll writes frames, with one syscall for all of them when the
// socket is a BatchConn.
func (c *Conn) writeAll(frames []outFrame) error {
	bc, _ := c.ws.NetConn().(*BatchConn)
	if bc != nil && len(frames) > 1 {
		bc.Hold()
	}
	for _, f := range frames {
		if err := c.write(f); err != nil {
			if bc != nil {
				_ = bc.Flush()
			}
			return err
		}
	}
	if bc != nil {
		return bc.Flush()
	}
	return nil
}

func (c *Conn) write(f outFrame) error {
	_ = c.ws.SetWriteDeadline(deadline(c.hub.node.cfg.WriteTimeout))
	var err error
	if f.pm != nil {
		err = c.ws.WritePreparedMessage(f.pm)
	} else {
		err = c.ws.WriteMessage(websocket.TextMessage, f.data)
	}
	if observe := c.hub.node.metrics.Delivery; err == nil && f.created != 0 && observe != nil {
		observe(time.Duration(time.Now().UnixNano() - f.created))
	}
	return err
}

func deadline(d time.Duration) time.Time { return time.Now().Add(d) }
