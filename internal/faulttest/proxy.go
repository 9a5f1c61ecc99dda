package faulttest

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy on a free port of 127.0.0.1 that forwards every
// connection to a target address. The test can switch it to another
// target, cut its connections, or stop it forwarding bytes without closing
// anything: a silent, half-open link, as a network partition looks to both
// ends.
type Proxy struct {
	ln net.Listener
	wg sync.WaitGroup // the accept loop and every proxied connection

	mu      sync.Mutex
	target  string
	conns   map[*proxyConn]struct{}
	paused  bool
	holdOn  []byte        // lower case; a connection whose client sends it is held
	held    chan struct{} // closed when the first connection is held after HoldOn
	anyHeld bool          // held is closed
	changed chan struct{} // closed and replaced when paused or a hold is lifted
	closed  bool
}

type proxyConn struct {
	client, server net.Conn
	held           bool // guarded by Proxy.mu
	done           chan struct{}
	once           sync.Once
}

func (pc *proxyConn) close() {
	pc.once.Do(func() {
		close(pc.done)
		_ = pc.client.Close()
		_ = pc.server.Close()
	})
}

// NewProxy starts a proxy to target (host:port), closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[*proxyConn]struct{}{}, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns the redis:// URL of database 0 through the proxy.
func (p *Proxy) URL() string { return "redis://" + p.Addr() + "/0" }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	server, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil {
		_ = client.Close() // the client sees the target refuse
		return
	}
	pc := &proxyConn{client: client, server: server, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.conns[pc] = struct{}{}
	p.mu.Unlock()
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.pipe(pc, client, server, true) }()
	go func() { defer both.Done(); p.pipe(pc, server, client, false) }()
	both.Wait()
	p.mu.Lock()
	delete(p.conns, pc)
	p.mu.Unlock()
}

// pipe copies src to dst until either end closes, holding each chunk while
// the proxy or the connection is paused. up is the client-to-server side.
func (p *Proxy) pipe(pc *proxyConn, src, dst net.Conn, up bool) {
	defer pc.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if up {
				p.checkHold(pc, buf[:n])
			}
			if !p.gate(pc) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// gate waits until bytes may flow on pc; false when pc closed meanwhile.
func (p *Proxy) gate(pc *proxyConn) bool {
	for {
		p.mu.Lock()
		open, changed := !p.paused && !pc.held, p.changed
		p.mu.Unlock()
		if open {
			return true
		}
		select {
		case <-changed:
		case <-pc.done:
			return false
		}
	}
}

func (p *Proxy) checkHold(pc *proxyConn, chunk []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.holdOn) == 0 || pc.held || !bytes.Contains(bytes.ToLower(chunk), p.holdOn) {
		return
	}
	pc.held = true
	if !p.anyHeld {
		p.anyHeld = true
		close(p.held)
	}
}

// Pause stops forwarding bytes on every connection, open or new, in both
// directions, without closing any, until Resume.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = true
}

// HoldOn pauses, from now until Resume, each connection whose client sends
// bytes containing s (compared in lower case; "subscribe" catches a Redis
// pub/sub connection as it subscribes), from that chunk on. The channel is
// closed when the first connection is held.
func (p *Proxy) HoldOn(s string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdOn = bytes.ToLower([]byte(s))
	p.held, p.anyHeld = make(chan struct{}), false
	return p.held
}

// Resume forwards again what Pause and HoldOn stopped, and ends HoldOn.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused, p.holdOn = false, nil
	for pc := range p.conns {
		pc.held = false
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// Switch sends new connections to addr and closes every open one, as a
// failover's address change does.
func (p *Proxy) Switch(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
	p.Cut()
}

// Cut closes every open connection.
func (p *Proxy) Cut() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for pc := range p.conns {
		conns = append(conns, pc)
	}
	p.mu.Unlock()
	for _, pc := range conns {
		pc.close()
	}
}

// Conns returns how many connections are open.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.Cut()
	p.wg.Wait()
}
