package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTest(ttl time.Duration, maxBytes int64) (*Cache[string], *clock) {
	c := New[string](ttl, maxBytes)
	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clk.now
	return c, clk
}

func TestGetSetExpiry(t *testing.T) {
	c, clk := newTest(time.Minute, 100)
	c.Set("a", "A", 10)
	if v, ok := c.Get("a"); !ok || v != "A" {
		t.Fatalf("Get(a) = %q, %v; want A, true", v, ok)
	}
	clk.t = clk.t.Add(59 * time.Second)
	if _, ok := c.Get("a"); !ok {
		t.Fatal("entry expired before its TTL")
	}
	clk.t = clk.t.Add(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("entry served after its TTL")
	}
	if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("expired entry still accounted: %+v", s)
	}
}

func TestByteBound(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		sets     []struct {
			key  string
			size int64
		}
		touch     string
		wantKeys  []string
		wantGone  []string
		wantBytes int64
	}{
		{
			name:     "evicts least recently used",
			maxBytes: 30,
			sets: []struct {
				key  string
				size int64
			}{{"a", 10}, {"b", 10}, {"c", 10}, {"d", 10}},
			wantKeys: []string{"b", "c", "d"}, wantGone: []string{"a"}, wantBytes: 30,
		},
		{
			name:     "touch protects an entry",
			maxBytes: 30,
			sets: []struct {
				key  string
				size int64
			}{{"a", 10}, {"b", 10}, {"c", 10}},
			touch:    "a",
			wantKeys: []string{"a", "e"}, wantGone: []string{"b", "c"}, wantBytes: 25,
		},
		{
			name:     "too large is not stored",
			maxBytes: 30,
			sets: []struct {
				key  string
				size int64
			}{{"a", 10}, {"huge", 31}},
			wantKeys: []string{"a"}, wantGone: []string{"huge"}, wantBytes: 10,
		},
		{
			name:     "zero bound stores nothing",
			maxBytes: 0,
			sets: []struct {
				key  string
				size int64
			}{{"a", 1}},
			wantGone: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTest(time.Hour, tt.maxBytes)
			for _, s := range tt.sets {
				c.Set(s.key, s.key, s.size)
			}
			if tt.touch != "" {
				c.Get(tt.touch)
				c.Set("e", "e", 15)
			}
			for _, k := range tt.wantKeys {
				if _, ok := c.Get(k); !ok {
					t.Errorf("%s evicted, want kept", k)
				}
			}
			for _, k := range tt.wantGone {
				if _, ok := c.Get(k); ok {
					t.Errorf("%s kept, want evicted", k)
				}
			}
			if s := c.Stats(); s.Bytes != tt.wantBytes {
				t.Errorf("bytes = %d, want %d", s.Bytes, tt.wantBytes)
			}
		})
	}
}

func TestDoSharesConcurrentLoads(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	var calls atomic.Int64
	release := make(chan struct{})
	load := func(ctx context.Context) (string, int64, error) {
		calls.Add(1)
		<-release
		return "v", 1, nil
	}
	const n = 50
	var wg sync.WaitGroup
	outcomes := make([]Outcome, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, o, err := c.Do(context.Background(), "k", load)
			if err != nil || v != "v" {
				t.Errorf("Do = %q, %v", v, err)
			}
			outcomes[i] = o
		}()
	}
	for c.Stats().Misses+c.Stats().Shared < n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("loader ran %d times, want 1", calls.Load())
	}
	misses := 0
	for _, o := range outcomes {
		if o == Miss {
			misses++
		}
	}
	if misses != 1 {
		t.Fatalf("%d callers report Miss, want 1", misses)
	}
	if _, o, _ := c.Do(context.Background(), "k", load); o != Hit {
		t.Fatalf("after load: outcome %v, want hit", o)
	}
}

func TestDoErrorsAndPanicsAreNotCached(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	boom := errors.New("boom")
	if _, _, err := c.Do(context.Background(), "k", func(context.Context) (string, int64, error) {
		return "", 0, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if _, _, err := c.Do(context.Background(), "k", func(context.Context) (string, int64, error) {
		panic("kaput")
	}); err == nil {
		t.Fatal("panicking loader gave no error")
	}
	v, o, err := c.Do(context.Background(), "k", func(context.Context) (string, int64, error) { return "ok", 1, nil })
	if err != nil || v != "ok" || o != Miss {
		t.Fatalf("Do after failures = %q, %v, %v; want ok, miss, nil", v, o, err)
	}
}

func TestDoCancelsLoadWhenAllCallersLeave(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	loaderDone := make(chan error, 1)
	started := make(chan struct{})
	load := func(ctx context.Context) (string, int64, error) {
		close(started)
		<-ctx.Done()
		loaderDone <- ctx.Err()
		return "", 0, ctx.Err()
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs1, errs2 := make(chan error, 1), make(chan error, 1)
	go func() { _, _, err := c.Do(ctx1, "k", load); errs1 <- err }()
	<-started
	go func() { _, _, err := c.Do(ctx2, "k", load); errs2 <- err }()
	for c.Stats().Shared < 1 {
		time.Sleep(time.Millisecond)
	}
	// The first caller runs the load: when it is cancelled the load goes
	// on for the second caller.
	cancel1()
	select {
	case <-loaderDone:
		t.Fatal("load cancelled while a caller still waits")
	case <-time.After(20 * time.Millisecond):
	}
	cancel2()
	if err := <-errs2; !errors.Is(err, context.Canceled) {
		t.Fatalf("second caller err = %v", err)
	}
	if err := <-loaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("loader ctx err = %v, want canceled", err)
	}
	if err := <-errs1; !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller err = %v", err)
	}
	if c.flying("k") {
		t.Fatal("the cancelled load is still in flight")
	}
}

// TestWaiterLeavesAtOnce: a caller waiting on another's load returns as
// soon as its context ends, while the load goes on for the caller running
// it, whose value is stored.
func TestWaiterLeavesAtOnce(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	started, release := make(chan struct{}), make(chan struct{})
	load := func(ctx context.Context) (string, int64, error) {
		close(started)
		<-release
		return "v", 1, ctx.Err()
	}
	res1 := make(chan error, 1)
	go func() { _, _, err := c.Do(context.Background(), "k", load); res1 <- err }()
	<-started
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs2 := make(chan error, 1)
	go func() { _, _, err := c.Do(ctx2, "k", load); errs2 <- err }()
	for c.Stats().Shared < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel2()
	if err := <-errs2; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting caller err = %v, want canceled", err)
	}
	close(release)
	if err := <-res1; err != nil {
		t.Fatalf("loading caller err = %v", err)
	}
	if v, ok := c.Get("k"); !ok || v != "v" {
		t.Fatalf("cached %q %v, want v", v, ok)
	}
}

// TestAbandonedLoadIsNeverHandedOver: once every waiter of a load has left
// (and the load is cancelled), a new caller of the same key starts a load
// of its own instead of joining the cancelled one, and the abandoned load's
// outcome, even a success that raced with the cancel, is never stored.
// The order is forced with channels: the abandoned loader keeps running
// (ignoring its cancelled context) until the test releases it.
func TestAbandonedLoadIsNeverHandedOver(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	settled := make(chan string, 2)
	c.settled = func(key string) { settled <- key }
	started1, release1 := make(chan struct{}), make(chan struct{})
	var ctx1Err atomic.Value
	load1 := func(ctx context.Context) (string, int64, error) {
		close(started1)
		<-release1
		if err := ctx.Err(); err != nil {
			ctx1Err.Store(err)
		}
		return "stale", 5, nil // a success that arrives after the cancel
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	errs1 := make(chan error, 1)
	go func() { _, _, err := c.Do(ctx1, "k", load1); errs1 <- err }()
	<-started1
	cancel1()
	// The only caller has gone, so the flight is abandoned; its loader
	// still runs (in that caller's goroutine, which returns with it).
	for c.flying("k") {
		time.Sleep(time.Millisecond)
	}

	started2, release2 := make(chan struct{}), make(chan struct{})
	load2 := func(ctx context.Context) (string, int64, error) {
		close(started2)
		<-release2
		return "fresh", 5, ctx.Err()
	}
	type outcome struct {
		v   string
		o   Outcome
		err error
	}
	res2 := make(chan outcome, 1)
	go func() { v, o, err := c.Do(context.Background(), "k", load2); res2 <- outcome{v, o, err} }()
	select {
	case <-started2:
	case r := <-res2:
		t.Fatalf("new caller joined the abandoned load: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("new caller did not start its own load (it waits on the abandoned one)")
	}

	// The abandoned load finishes now, with a value: it must not be stored
	// nor end the new flight.
	close(release1)
	<-settled
	if err := <-errs1; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoning caller err = %v, want canceled", err)
	}
	if ctx1Err.Load() == nil {
		t.Fatal("the abandoned load's context was not cancelled")
	}
	if v, ok := c.Get("k"); ok {
		t.Fatalf("the abandoned load's value %q was stored", v)
	}
	res3 := make(chan outcome, 1)
	go func() {
		v, o, err := c.Do(context.Background(), "k", func(context.Context) (string, int64, error) {
			return "third", 5, nil
		})
		res3 <- outcome{v, o, err}
	}()
	for c.Stats().Shared < 1 {
		time.Sleep(time.Millisecond)
	}
	close(release2)
	if r := <-res2; r.err != nil || r.v != "fresh" || r.o != Miss {
		t.Fatalf("new caller got %+v, want fresh from its own load (miss)", r)
	}
	if r := <-res3; r.err != nil || r.v != "fresh" || r.o != Shared {
		t.Fatalf("third caller got %+v, want fresh shared with the second load", r)
	}
	if v, ok := c.Get("k"); !ok || v != "fresh" {
		t.Fatalf("cached %q %v, want fresh", v, ok)
	}
}

// BenchmarkConcurrentIdentical runs 100 concurrent identical loads per
// iteration and reports how many loads actually ran per 100 callers.
func BenchmarkConcurrentIdentical(b *testing.B) {
	var loads atomic.Int64
	for i := 0; i < b.N; i++ {
		c := New[string](time.Minute, 1<<20)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, _ = c.Do(context.Background(), "SELECT 1", func(context.Context) (string, int64, error) {
					loads.Add(1)
					time.Sleep(time.Millisecond)
					return "v", 1, nil
				})
			}()
		}
		close(start)
		wg.Wait()
	}
	b.ReportMetric(float64(loads.Load())/float64(b.N), "loads/100calls")
}

func TestRefreshNeverServesStoredValues(t *testing.T) {
	c, _ := newTest(time.Minute, 1<<20)
	loads := 0
	load := func(v string) Loader[string] {
		return func(context.Context) (string, int64, error) { loads++; return v, 1, nil }
	}
	if v, o, err := c.Do(context.Background(), "k", load("old")); err != nil || v != "old" || o != Miss {
		t.Fatalf("Do = %q %v %v", v, o, err)
	}
	if v, err := c.Refresh(context.Background(), "k", load("new")); err != nil || v != "new" || loads != 2 {
		t.Fatalf("Refresh = %q %v after %d loads, want new from a second load", v, err, loads)
	}
	// The fresh result replaces the stored one for later callers.
	if v, o, _ := c.Do(context.Background(), "k", load("unused")); v != "new" || o != Hit || loads != 2 {
		t.Fatalf("Do after Refresh = %q %v (%d loads), want the refreshed value as a hit", v, o, loads)
	}
	// A failed refresh keeps the stored value and reports its error.
	boom := errors.New("boom")
	if _, err := c.Refresh(context.Background(), "k", func(context.Context) (string, int64, error) { return "", 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("Refresh error = %v", err)
	}
	if _, err := c.Refresh(context.Background(), "k", func(context.Context) (string, int64, error) { panic("loader bug") }); err == nil {
		t.Fatal("a panicking refresh returned no error")
	}
	if v, ok := c.Get("k"); !ok || v != "new" {
		t.Fatalf("stored %q %v after failed refreshes, want new", v, ok)
	}
}

// flying reports whether a load of key is in flight and can be joined.
func (c *Cache[V]) flying(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.flights[key]
	return ok
}
