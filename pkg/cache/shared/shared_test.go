package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bigtent/quarry/pkg/testenv"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct{ url, wantErr string }{
		{"redis://127.0.0.1:6379/0", ""},
		{"rediss://cache.example.com:6380/2", ""},
		{"redis://reader@127.0.0.1:6379", ""},
		{"http://127.0.0.1:6379", `scheme "http" is not redis:// or rediss://`},
		{"127.0.0.1:6379", "is not a URL"},
		{"redis://user:hunter2@127.0.0.1:6379", "holds a password; put it in the secure setting cacheRedisPassword"},
		{"redis:///0", "names no host"},
		{"redis://127.0.0.1:6379/x", "invalid database number"},
		{"redis://%zz", "is not a URL"},
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := ParseURL(c.url)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, c.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error quotes the password: %v", err)
			}
		})
	}
}

// counter is an Observer for tests.
type counter struct {
	mu       sync.Mutex
	outcomes map[Outcome]int
	bytes    map[string]int
	errors   map[string]int
}

func newCounter() *counter {
	return &counter{outcomes: map[Outcome]int{}, bytes: map[string]int{}, errors: map[string]int{}}
}
func (c *counter) Outcome(o Outcome)     { c.mu.Lock(); c.outcomes[o]++; c.mu.Unlock() }
func (c *counter) Bytes(d string, n int) { c.mu.Lock(); c.bytes[d] += n; c.mu.Unlock() }
func (c *counter) Error(op string)       { c.mu.Lock(); c.errors[op]++; c.mu.Unlock() }
func (c *counter) get(o Outcome) int     { c.mu.Lock(); defer c.mu.Unlock(); return c.outcomes[o] }

// logs is a Logger for tests.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Warn(msg string, args ...any) { l.add("WARN", msg, args) }
func (l *logs) Info(msg string, args ...any) { l.add("INFO", msg, args) }
func (l *logs) add(level, msg string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprint(level, " ", msg, " ", args))
}
func (l *logs) String() string { l.mu.Lock(); defer l.mu.Unlock(); return strings.Join(l.lines, "\n") }

func newStore(t *testing.T, url string, mod func(*Options)) (*Store, *counter, *logs) {
	t.Helper()
	c, l := newCounter(), &logs{}
	o := Options{URL: url, TTL: time.Minute, Prefix: "quarry-test:" + uniq() + ":", Observer: c, Logger: l}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c, l
}

func uniq() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TestOneLoadAcrossStores: two stores (two replicas) with the same prefix,
// 20 callers each, one key: the loader runs once; every caller gets its
// value; the others waited (coalesced) or found it (hit).
func TestOneLoadAcrossStores(t *testing.T) {
	r := testenv.Redis(t)
	prefix := "quarry-test:" + uniq() + ":"
	a, ca, _ := newStore(t, r.URL, func(o *Options) { o.Prefix = prefix })
	b, cb, _ := newStore(t, r.URL, func(o *Options) { o.Prefix = prefix })
	var loads atomic.Int32
	load := func(ctx context.Context) ([]byte, error) {
		loads.Add(1)
		time.Sleep(300 * time.Millisecond)
		return []byte("result"), nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := s.Do(context.Background(), "k", load)
			if err == nil && string(v) != "result" {
				err = fmt.Errorf("got %q", v)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("the loader ran %d times across two stores, want 1", n)
	}
	misses := ca.get(Miss) + cb.get(Miss)
	waited := ca.get(Coalesced) + cb.get(Coalesced) + ca.get(Hit) + cb.get(Hit)
	if misses != 1 || waited != 39 {
		t.Fatalf("outcomes: a=%v b=%v; want 1 miss and 39 coalesced or hit", ca.outcomes, cb.outcomes)
	}
	if ca.get(Coalesced)+cb.get(Coalesced) == 0 {
		t.Fatalf("no caller waited on the lease: a=%v b=%v", ca.outcomes, cb.outcomes)
	}
	// Later callers hit.
	if _, o, err := b.Do(context.Background(), "k", load); err != nil || o != Hit {
		t.Fatalf("later call: outcome %v, err %v; want hit", o, err)
	}
}

// TestLapsedLease: a holder that died leaves a lease with no value; the
// waiter takes over once the lease lapses.
func TestLapsedLease(t *testing.T) {
	r := testenv.Redis(t)
	s, c, _ := newStore(t, r.URL, nil)
	rc := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer rc.Close()
	if err := rc.Set(context.Background(), s.prefix+"l:k", "dead-holder", 400*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	v, o, err := s.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return []byte("mine"), nil })
	if err != nil || string(v) != "mine" || o != Miss {
		t.Fatalf("Do = %q, %v, %v; want mine, miss", v, o, err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("took the lease after %v, before the dead holder's lapsed", d)
	}
	if c.get(Miss) != 1 {
		t.Fatalf("outcomes %v", c.outcomes)
	}
}

// TestLoaderErrorReleasesLease: a failed load is not stored and frees the
// lease at once, so the next caller loads again.
func TestLoaderErrorReleasesLease(t *testing.T) {
	r := testenv.Redis(t)
	s, _, _ := newStore(t, r.URL, nil)
	boom := errors.New("warehouse said no")
	if _, _, err := s.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the loader's", err)
	}
	done := make(chan struct{})
	var o Outcome
	go func() {
		defer close(done)
		_, o, _ = s.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return []byte("ok"), nil })
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the next caller waits on the failed holder's lease")
	}
	if o != Miss {
		t.Fatalf("outcome %v, want miss (loaded again)", o)
	}
}

// TestOversize: a value over the cap is not stored; the marker sends
// waiters to load on their own instead of waiting.
func TestOversize(t *testing.T) {
	r := testenv.Redis(t)
	prefix := "quarry-test:" + uniq() + ":"
	a, _, _ := newStore(t, r.URL, func(o *Options) { o.Prefix, o.MaxEntryBytes = prefix, 4 })
	b, _, _ := newStore(t, r.URL, func(o *Options) { o.Prefix, o.MaxEntryBytes = prefix, 4 })
	big := func(context.Context) ([]byte, error) { return []byte("too big"), nil }
	if v, o, err := a.Do(context.Background(), "k", big); err != nil || o != Oversize || string(v) != "too big" {
		t.Fatalf("holder: %q %v %v; want the value, oversize", v, o, err)
	}
	if v, o, err := b.Do(context.Background(), "k", big); err != nil || o != Oversize || string(v) != "too big" {
		t.Fatalf("other replica: %q %v %v; want its own load, oversize", v, o, err)
	}
}

// TestTooLarge: a loader that streamed its value and dropped it at the
// cap (ErrTooLarge) marks the key oversize as a value over the cap does:
// a waiting replica stops waiting and loads on its own; the error reaches
// the caller, and the outcome is counted.
func TestTooLarge(t *testing.T) {
	r := testenv.Redis(t)
	prefix := "quarry-test:" + uniq() + ":"
	a, ca, _ := newStore(t, r.URL, func(o *Options) { o.Prefix = prefix })
	b, cb, _ := newStore(t, r.URL, func(o *Options) { o.Prefix = prefix })
	started := make(chan struct{})
	go func() {
		<-started
		// b arrives while a holds the lease and waits for it.
		v, o, err := b.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return []byte("own"), nil })
		if err != nil || o != Oversize || string(v) != "own" {
			t.Errorf("waiting replica: %q %v %v; want its own load, oversize", v, o, err)
		}
		close(started) // reused as "b is done"
	}()
	_, o, err := a.Do(context.Background(), "k", func(context.Context) ([]byte, error) {
		started <- struct{}{}
		time.Sleep(200 * time.Millisecond)
		return nil, fmt.Errorf("streamed 9 MiB: %w", ErrTooLarge)
	})
	if !errors.Is(err, ErrTooLarge) || o != Oversize {
		t.Fatalf("holder: %v %v; want ErrTooLarge, oversize", o, err)
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting replica still waits after the holder gave up the value")
	}
	if ca.get(Oversize) != 1 || cb.get(Oversize) != 1 {
		t.Fatalf("outcomes a=%v b=%v; want one oversize each", ca.outcomes, cb.outcomes)
	}
}

// TestRedisDown: with nothing listening, Do loads at once (failover), the
// store then skips Redis (bypass) and logs one warning.
func TestRedisDown(t *testing.T) {
	port := closedPort(t)
	s, c, l := newStore(t, fmt.Sprintf("redis://127.0.0.1:%d/0", port), func(o *Options) { o.Password = "s3cret-pw" })
	load := func(context.Context) ([]byte, error) { return []byte("v"), nil }
	for i, want := range []Outcome{Failover, Bypass, Bypass} {
		v, o, err := s.Do(context.Background(), "k", load)
		if err != nil || string(v) != "v" || o != want {
			t.Fatalf("call %d: %q %v %v; want v, %v", i, v, o, err, want)
		}
	}
	if n := strings.Count(l.String(), "WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, l)
	}
	if strings.Contains(l.String(), "s3cret-pw") {
		t.Fatalf("the log holds the password:\n%s", l)
	}
	if c.errors["get"] != 1 {
		t.Fatalf("errors %v, want one failed get", c.errors)
	}
}

// TestRedisKilledMidWait kills a private Redis while one replica holds the
// lease (its query still running) and another waits for it: the waiter fails
// over and runs the query itself, well before the holder is done, and the
// holder's result still reaches its caller.
func TestRedisKilledMidWait(t *testing.T) {
	r := testenv.PrivateRedis(t)
	prefix := "quarry-test:" + uniq() + ":"
	slow := func(o *Options) { o.Prefix, o.Lease = prefix, 10*time.Second }
	holder, _, _ := newStore(t, r.URL, slow)
	waiter, _, wl := newStore(t, r.URL, slow)

	release := make(chan struct{})
	started := make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		v, _, err := holder.Do(context.Background(), "k", func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("holder"), nil
		})
		if err == nil && string(v) != "holder" {
			err = fmt.Errorf("holder got %q", v)
		}
		holderDone <- err
	}()
	<-started
	var killedAt time.Time
	type res struct {
		v   []byte
		o   Outcome
		err error
		at  time.Time
	}
	waited := make(chan res, 1)
	go func() {
		v, o, err := waiter.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return []byte("waiter"), nil })
		waited <- res{v, o, err, time.Now()}
	}()
	time.Sleep(300 * time.Millisecond) // the waiter is polling the lease
	killedAt = time.Now()
	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	var got res
	select {
	case got = <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter still waits 5 s after Redis died")
	}
	close(release)
	if got.err != nil || string(got.v) != "waiter" || got.o != Failover {
		t.Fatalf("waiter: %q %v %v; want its own load after failover", got.v, got.o, got.err)
	}
	// The bound: an outage in the middle of a wait fails over
	// within 1 s (here the lease has 10 s left and the holder never ends
	// on its own).
	failover := got.at.Sub(killedAt)
	t.Logf("waiter failed over %v after the kill", failover.Round(time.Millisecond))
	if failover > time.Second {
		t.Errorf("failover took %v, want at most 1 s", failover)
	}
	if err := <-holderDone; err != nil {
		t.Fatalf("holder: %v", err)
	}
	if !strings.Contains(wl.String(), "Redis failed") {
		t.Fatalf("no warning logged:\n%s", wl)
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	// A port freed just now: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
