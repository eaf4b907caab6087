package native

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/bigtent/quarry/pkg/testenv"
)

// cutProxy forwards TCP connections to a server and can cut them all, as
// a load balancer or firewall drops idle connections.
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutProxy(t *testing.T, upstream string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	t.Cleanup(func() { _ = ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
			go func() { _, _ = io.Copy(c, u); _ = c.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// TestPoolReplacesDroppedConnection: a pooled connection that was dropped
// while idle fails before the server answers, and the query runs on a new
// connection instead of failing (ClickHouse 18.16 behind a proxy that cuts
// every connection).
func TestPoolReplacesDroppedConnection(t *testing.T) {
	info := testenv.ClickHouse(t)
	proxy := newCutProxy(t, info.Addr)
	p := NewPool(Options{Addr: proxy.ln.Addr().String(), User: info.User, Database: info.Database, Compression: true}, 2)
	defer p.Close()
	run := func() {
		t.Helper()
		h := &recorder{}
		if _, err := p.Query(context.Background(), Query{ID: "", SQL: "SELECT number FROM system.numbers LIMIT 3"}, h); err != nil {
			t.Fatal(err)
		}
		if len(h.blocks) < 2 || h.blocks[1] != 3 {
			t.Fatalf("blocks %v", h.blocks)
		}
	}
	run()
	run()
	if n := p.Dials(); n != 1 {
		t.Fatalf("%d dials for two queries in a row, want 1 (reused)", n)
	}
	proxy.cut()
	run()
	if n := p.Dials(); n != 2 {
		t.Fatalf("%d dials after the cut, want 2", n)
	}
}
