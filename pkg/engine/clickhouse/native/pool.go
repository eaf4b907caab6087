package native

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pool holds idle connections and bounds how many queries run at once.
type Pool struct {
	opts Options
	sem  chan struct{}

	mu    sync.Mutex
	idle  []*Conn
	dials atomic.Int64
}

// Pool limits.
const (
	maxIdle     = 5
	maxLifetime = time.Hour
	maxIdleTime = 5 * time.Minute
)

// NewPool makes a pool of at most maxOpen connections (minimum 1).
func NewPool(opts Options, maxOpen int) *Pool {
	return &Pool{opts: opts, sem: make(chan struct{}, max(1, maxOpen))}
}

// Query runs q on a pooled connection (see Conn.Query). A pooled
// connection that fails before the server answers (closed while idle) is
// replaced by a new one once.
func (p *Pool) Query(ctx context.Context, q Query, h Handler) (Stats, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Stats{}, context.Cause(ctx)
	}
	defer func() { <-p.sem }()
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(ctx)
		if err != nil {
			return Stats{}, err
		}
		st, err := c.Query(ctx, q, h)
		if err != nil && reused && !c.received && attempt == 0 && ctx.Err() == nil {
			_ = c.Close()
			continue
		}
		p.put(c)
		return st, err
	}
}

func (p *Pool) get(ctx context.Context) (*Conn, bool, error) {
	now := time.Now()
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(c.created) < maxLifetime && now.Sub(c.used) < maxIdleTime {
			p.mu.Unlock()
			return c, true, nil
		}
		_ = c.Close()
	}
	p.mu.Unlock()
	p.dials.Add(1)
	c, err := Dial(ctx, p.opts)
	return c, false, err
}

// Dials is how many connections the pool has opened.
func (p *Pool) Dials() int64 { return p.dials.Load() }

func (p *Pool) put(c *Conn) {
	if c.broken {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxIdle {
		_ = c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// Close closes the idle connections.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		_ = c.Close()
	}
	p.idle = nil
	return nil
}
