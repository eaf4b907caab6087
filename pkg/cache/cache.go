// Package cache is the query result cache: a byte-bounded LRU whose entries
// expire after a TTL, with singleflight loading so that concurrent identical
// queries reach the warehouse once.
package cache

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// Outcome says how a Do call was served.
type Outcome int

// Outcomes of Do.
const (
	// Miss means this call ran the loader.
	Miss Outcome = iota
	// Hit means the value came from the cache.
	Hit
	// Shared means the call joined a load already in flight.
	Shared
)

func (o Outcome) String() string {
	switch o {
	case Hit:
		return "hit"
	case Shared:
		return "shared"
	default:
		return "miss"
	}
}

// Loader produces a value and its size in bytes.
type Loader[V any] func(ctx context.Context) (V, int64, error)

// Cache is a byte-bounded LRU with TTL expiry and singleflight loading.
// The zero value is not usable; call New. It is safe for concurrent use.
type Cache[V any] struct {
	ttl      time.Duration
	maxBytes int64
	now      func() time.Time
	// settled, when set (tests), is called after a load's outcome is
	// stored or dropped.
	settled func(key string)

	mu      sync.Mutex
	used    int64
	lru     *list.List // front = most recently used; elements hold *entry[V]
	items   map[string]*list.Element
	flights map[string]*flight[V]
	stats   Stats
}

// Stats are cumulative counters.
type Stats struct {
	Hits, Shared, Misses, Evictions int64
	Entries                         int
	Bytes                           int64
}

type entry[V any] struct {
	key     string
	val     V
	size    int64
	expires time.Time
}

type flight[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int
	cancel  context.CancelFunc
	// abandoned is set (under Cache.mu) when every waiter left: the load
	// is cancelled, the flight is out of Cache.flights so that no new
	// caller joins it, and its outcome is never stored.
	abandoned bool
}

// New returns a cache keeping entries for ttl and at most maxBytes in total.
// A ttl or maxBytes of 0 disables storing, but concurrent identical loads are
// still shared.
func New[V any](ttl time.Duration, maxBytes int64) *Cache[V] {
	return &Cache[V]{
		ttl:      ttl,
		maxBytes: maxBytes,
		now:      time.Now,
		lru:      list.New(),
		items:    make(map[string]*list.Element),
		flights:  make(map[string]*flight[V]),
	}
}

// Get returns a fresh cached value.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(key)
}

func (c *Cache[V]) getLocked(key string) (V, bool) {
	var zero V
	el, ok := c.items[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[V])
	if !c.now().Before(e.expires) {
		c.removeLocked(el)
		return zero, false
	}
	c.lru.MoveToFront(el)
	return e.val, true
}

// Set stores a value of the given size, evicting least recently used entries
// to stay within the byte bound. A value larger than the bound is not stored.
func (c *Cache[V]) Set(key string, val V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(key, val, size)
}

func (c *Cache[V]) setLocked(key string, val V, size int64) {
	if c.ttl <= 0 || size > c.maxBytes {
		return
	}
	if size < 0 {
		size = 0
	}
	if el, ok := c.items[key]; ok {
		c.removeLocked(el)
	}
	for c.used+size > c.maxBytes && c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back())
		c.stats.Evictions++
	}
	el := c.lru.PushFront(&entry[V]{key: key, val: val, size: size, expires: c.now().Add(c.ttl)})
	c.items[key] = el
	c.used += size
}

func (c *Cache[V]) removeLocked(el *list.Element) {
	e := el.Value.(*entry[V])
	c.lru.Remove(el)
	delete(c.items, e.key)
	c.used -= e.size
}

// Stats returns a snapshot of the counters.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries = c.lru.Len()
	s.Bytes = c.used
	return s
}

// Do returns the cached value for key, or runs load once for all concurrent
// callers of the same key and caches its result when it succeeds. The
// caller that misses runs load in its own goroutine (no goroutine is
// started and woken for a query: most queries are not shared); callers of
// the same key that come while it runs wait for its outcome. The load runs
// detached from any single caller's cancellation (it keeps the first
// caller's context values); it is cancelled when every caller has gone,
// and a caller that comes after that starts a new load: a cancelled load
// is never handed to a new caller, nor stored. A waiting caller whose
// context ends returns at once; the caller running the load returns when
// load does (at once for a loader that honours its context, which is
// cancelled when no one else waits). Either gets its context's error. A
// panic in load becomes an error.
func (c *Cache[V]) Do(ctx context.Context, key string, load Loader[V]) (V, Outcome, error) {
	var zero V
	c.mu.Lock()
	if v, ok := c.getLocked(key); ok {
		c.stats.Hits++
		c.mu.Unlock()
		return v, Hit, nil
	}
	if f, ok := c.flights[key]; ok {
		c.stats.Shared++
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return zero, Shared, f.err
			}
			return f.val, Shared, nil
		case <-ctx.Done():
			c.leave(key, f)
			return zero, Shared, ctx.Err()
		}
	}
	c.stats.Misses++
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight[V]{done: make(chan struct{}), waiters: 1, cancel: cancel}
	c.flights[key] = f
	c.mu.Unlock()

	// This caller leaving (its context ending) counts like a waiter
	// leaving: with no one else waiting the load is cancelled.
	stop := context.AfterFunc(ctx, func() { c.leave(key, f) })
	c.run(lctx, key, f, load)
	if !stop() {
		return zero, Miss, ctx.Err()
	}
	if f.err != nil {
		return zero, Miss, f.err
	}
	return f.val, Miss, nil
}

// leave is a caller of flight f giving up: the last one to go cancels the
// load and takes the flight out of the cache's flights, so that nobody
// joins it and its outcome is not stored.
func (c *Cache[V]) leave(key string, f *flight[V]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.abandoned = true
		if c.flights[key] == f {
			delete(c.flights, key)
		}
		f.cancel()
	}
}

// Refresh runs load for key in the caller's goroutine, never serving a
// stored value nor joining a load in flight, and stores its result when it
// succeeds, for later callers of Do. Alert rules use it: they must see the
// warehouse as it is now, not a dashboard's cached result. A panic in load
// becomes an error.
func (c *Cache[V]) Refresh(ctx context.Context, key string, load Loader[V]) (v V, err error) {
	c.mu.Lock()
	c.stats.Misses++
	c.mu.Unlock()
	var size int64
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("cache loader panicked: %v", r)
			}
		}()
		v, size, err = load(ctx)
	}()
	if err != nil {
		var zero V
		return zero, err
	}
	c.Set(key, v, size)
	return v, nil
}

func (c *Cache[V]) run(ctx context.Context, key string, f *flight[V], load Loader[V]) {
	var size int64
	func() {
		defer func() {
			if r := recover(); r != nil {
				f.err = fmt.Errorf("cache loader panicked: %v", r)
			}
		}()
		f.val, size, f.err = load(ctx)
	}()
	f.cancel()
	c.mu.Lock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if f.err == nil && !f.abandoned {
		c.setLocked(key, f.val, size)
	}
	c.mu.Unlock()
	close(f.done)
	if c.settled != nil {
		c.settled(key)
	}
}
