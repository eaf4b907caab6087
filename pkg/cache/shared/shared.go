// Package shared is the second level of Quarry's result cache: encoded
// results kept in Redis, where every Grafana replica's plugin process finds
// them, with a lease so that identical queries on N replicas reach the
// warehouse once.
//
// Redis is an accelerator, never a dependency. Every Redis command runs
// under a short timeout; when one fails (Redis down, slow or full) the caller
// loads the result itself, as it would without Redis, and the store skips
// Redis for a while (1 s, doubling up to 30 s) before it tries again. A
// failure is logged once, as a warning, when the store gives up on Redis.
//
// The protocol for one key K (all keys under the store's prefix):
//
//	v:K  the encoded result, set with the TTL (PX)
//	l:K  the lease: a random token, SET NX PX; its holder runs the query and
//	     renews the lease every third of its lifetime while the query runs
//
// A caller reads v:K; on a miss it tries to take l:K. The one that gets it
// loads, writes v:K and deletes l:K (only if it still holds it). The others
// poll v:K and l:K with a growing interval (5 ms to 50 ms): they return the
// value when it appears, and try to take the lease again when it is gone
// without a value (the holder failed or died: its lease lapses).
package shared

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Outcome says how a Do call was served.
type Outcome int

// Outcomes of Do.
const (
	// Miss means this caller held the lease and ran the loader.
	Miss Outcome = iota
	// Hit means the value was in Redis.
	Hit
	// Coalesced means the caller waited for another holder's result.
	Coalesced
	// Failover means a Redis command failed during the call and the caller
	// ran the loader without Redis.
	Failover
	// Bypass means Redis was marked unavailable after an earlier failure
	// and the caller ran the loader without trying it.
	Bypass
	// Oversize means the result is larger than the entry size cap: the
	// loader ran here and the value is not shared (other replicas are told
	// so and load it themselves).
	Oversize
)

func (o Outcome) String() string {
	switch o {
	case Hit:
		return "hit"
	case Coalesced:
		return "coalesced"
	case Failover:
		return "failover"
	case Bypass:
		return "bypass"
	case Oversize:
		return "oversize"
	default:
		return "miss"
	}
}

// Defaults of Options.
const (
	DefaultMaxEntryBytes = 8 << 20
	DefaultLease         = 3 * time.Second
	DefaultOpTimeout     = 250 * time.Millisecond
	DefaultPrefix        = "quarry:v1:"
	minRetry             = time.Second
	maxRetry             = 30 * time.Second
	firstPoll            = 5 * time.Millisecond
	maxPoll              = 50 * time.Millisecond
)

// Logger receives the store's warnings; the SDK's log.Logger satisfies it.
type Logger interface {
	Warn(msg string, args ...any)
	Info(msg string, args ...any)
}

// Observer receives the store's events for metrics: every Do outcome, the
// bytes read from and written to Redis, and each failed Redis command.
type Observer interface {
	Outcome(o Outcome)
	Bytes(direction string, n int)
	Error(op string)
}

// Options configure a Store.
type Options struct {
	// URL is redis://[user@]host:port[/db] or rediss:// for TLS.
	URL string
	// Password is the Redis password (AUTH); it overrides none in the URL,
	// which must not carry one.
	Password string
	// TLSCACert is a PEM bundle of the CAs that sign the server's
	// certificate (rediss:// only; default: the system's roots).
	TLSCACert string
	// TLSSkipVerify skips verifying the server's certificate (rediss:// only).
	TLSSkipVerify bool
	// TTL is how long a stored value lives.
	TTL time.Duration
	// MaxEntryBytes caps one value; larger results are not shared
	// (0: DefaultMaxEntryBytes).
	MaxEntryBytes int64
	// Prefix starts every key (default DefaultPrefix).
	Prefix string
	// Lease is the lease's lifetime; it is renewed every Lease/3 while the
	// loader runs (0: DefaultLease).
	Lease time.Duration
	// OpTimeout bounds every Redis command, the connection included
	// (0: DefaultOpTimeout).
	OpTimeout time.Duration
	Logger    Logger
	Observer  Observer
}

// ParseURL checks a Redis URL and returns its redis options, without the
// password. Errors say what is wrong and never quote a password.
func ParseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL, which may hold a password.
		return nil, errors.New("is not a URL; write redis://host:port/db or rediss://host:port/db (TLS)")
	}
	switch u.Scheme {
	case "redis", "rediss":
	default:
		return nil, fmt.Errorf("scheme %q is not redis:// or rediss:// (TLS)", u.Scheme)
	}
	if _, has := u.User.Password(); has {
		return nil, errors.New("holds a password; put it in the secure setting cacheRedisPassword instead")
	}
	if u.Hostname() == "" {
		return nil, errors.New("names no host; write redis://host:port/db")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "redis: "))
	}
	return opt, nil
}

// Store is the Redis level of the cache. It is safe for concurrent use.
type Store struct {
	client    *redis.Client
	ttl       time.Duration
	maxEntry  int64
	prefix    string
	lease     time.Duration
	opTimeout time.Duration
	log       Logger
	obs       Observer

	mu        sync.Mutex
	downUntil time.Time
	retry     time.Duration
	now       func() time.Time
}

// New returns a store for opts. It does not connect: the first command does.
func New(opts Options) (*Store, error) {
	ro, err := ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("cacheRedisURL: %w", err)
	}
	if opts.TTL <= 0 {
		return nil, errors.New("shared cache: TTL must be positive")
	}
	if ro.TLSConfig != nil {
		if opts.TLSCACert != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(opts.TLSCACert)) {
				return nil, errors.New("cacheRedisTLSCACert: no PEM certificate found")
			}
			ro.TLSConfig.RootCAs = pool
		}
		ro.TLSConfig.InsecureSkipVerify = opts.TLSSkipVerify //nolint:gosec // the user's explicit choice
		ro.TLSConfig.MinVersion = tls.VersionTLS12
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultOpTimeout
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.MaxEntryBytes <= 0 {
		opts.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	ro.Password = opts.Password
	ro.DialTimeout = opts.OpTimeout
	ro.ReadTimeout = opts.OpTimeout
	ro.WriteTimeout = opts.OpTimeout
	ro.PoolTimeout = opts.OpTimeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1 // a failure fails over at once; the store backs off itself
	ro.DialerRetries = 1
	ro.DialerRetryTimeout = opts.OpTimeout / 5
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &Store{
		client: redis.NewClient(ro), ttl: opts.TTL, maxEntry: opts.MaxEntryBytes, prefix: opts.Prefix,
		lease: opts.Lease, opTimeout: opts.OpTimeout, log: opts.Logger, obs: opts.Observer, now: time.Now,
	}, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.client.Close() }

// Ping checks that Redis answers, within the command timeout.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	return s.client.Ping(ctx).Err()
}

// oversize marks a key whose result exceeds the cap: waiters load it
// themselves instead of waiting for a value that never comes. A real value
// never starts with a NUL byte and these letters (the plugin's encoding
// starts with its magic).
var oversize = []byte("\x00quarry-oversize")

// Loader produces the value of a key.
type Loader func(ctx context.Context) ([]byte, error)

// ErrTooLarge is what a loader returns (wrapped or not) when its value was
// used but is too large to keep: a streamed answer that passed the size cap
// while it was written to its caller, and was dropped rather than held in
// memory. The store marks the key oversize, as for a value over
// MaxEntryBytes, so that the others load it themselves instead of waiting
// for the lease, and returns the error to the caller.
var ErrTooLarge = errors.New("shared cache: the value is too large to keep")

// Do returns the value of key from Redis, or loads it: as the lease holder,
// storing it for the others, or after Redis failed, without it. Values
// larger than MaxEntryBytes (or whose loader returns ErrTooLarge) are
// loaded by each caller. Errors are the loader's, or ctx's; a Redis failure
// is never one.
func (s *Store) Do(ctx context.Context, key string, load Loader) ([]byte, Outcome, error) {
	o, v, err := s.do(ctx, key, load)
	if s.obs != nil && (err == nil || errors.Is(err, ErrTooLarge)) {
		s.obs.Outcome(o)
	}
	return v, o, err
}

func (s *Store) do(ctx context.Context, key string, load Loader) (Outcome, []byte, error) {
	if s.isDown() {
		v, err := load(ctx)
		return Bypass, v, err
	}
	vkey, lkey := s.prefix+"v:"+key, s.prefix+"l:"+key
	for {
		v, err := s.get(ctx, vkey)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return Miss, nil, ctx.Err()
			}
			s.fail("get", err)
			v, err := load(ctx)
			return Failover, v, err
		case bytes.Equal(v, oversize):
			v, err := load(ctx)
			return Oversize, v, err
		case v != nil:
			return Hit, v, nil
		}
		token, err := s.acquire(ctx, lkey)
		if err != nil {
			if ctx.Err() != nil {
				return Miss, nil, ctx.Err()
			}
			s.fail("lease", err)
			v, err := load(ctx)
			return Failover, v, err
		}
		if token != "" {
			return s.loadAsHolder(ctx, vkey, lkey, token, load)
		}
		o, v, err := s.wait(ctx, vkey, lkey, load)
		if o == Miss && err == nil && v == nil {
			continue // the lease lapsed with no value: try to take it
		}
		return o, v, err
	}
}

// get reads a value: nil, nil when there is none.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	cctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	v, err := s.client.Get(cctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		s.ok()
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.ok()
	if s.obs != nil {
		s.obs.Bytes("read", len(v))
	}
	return v, nil
}

// acquire tries to take the lease: its token, or "" when another holds it.
func (s *Store) acquire(ctx context.Context, lkey string) (string, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	cctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	ok, err := s.client.SetNX(cctx, lkey, token, s.lease).Result()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", nil
	}
	return token, nil
}

// renewScript extends the lease only while the caller still holds it.
var renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// releaseScript deletes the lease only while the caller still holds it.
var releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

func (s *Store) loadAsHolder(ctx context.Context, vkey, lkey, token string, load Loader) (Outcome, []byte, error) {
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(s.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opTimeout)
				err := renewScript.Run(cctx, s.client, []string{lkey}, token, s.lease.Milliseconds()).Err()
				cancel()
				if err != nil && !errors.Is(err, redis.Nil) {
					// The query goes on; waiters elsewhere fail over
					// on their own when Redis is gone.
					s.fail("renew", err)
				}
			}
		}
	}()
	v, err := load(ctx)
	close(stop)
	<-renewed

	// Store (or mark oversize) and release even when ctx is cancelled: the
	// value is good for the others.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opTimeout)
	defer cancel()
	outcome := Miss
	tooLarge := errors.Is(err, ErrTooLarge)
	if err == nil || tooLarge {
		val, ttl := v, s.ttl
		if tooLarge || int64(len(v)) > s.maxEntry {
			outcome, val = Oversize, oversize
		}
		if serr := s.client.Set(wctx, vkey, val, ttl).Err(); serr != nil {
			s.fail("set", serr)
		} else if s.obs != nil && outcome == Miss {
			s.obs.Bytes("write", len(val))
		}
	}
	if rerr := releaseScript.Run(wctx, s.client, []string{lkey}, token).Err(); rerr != nil && !errors.Is(rerr, redis.Nil) {
		s.fail("release", rerr)
	}
	return outcome, v, err
}

// wait polls for the holder's value. It returns (Miss, nil, nil) when the
// lease is gone without a value, so the caller tries to take it.
func (s *Store) wait(ctx context.Context, vkey, lkey string, load Loader) (Outcome, []byte, error) {
	interval := firstPoll
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return Coalesced, nil, ctx.Err()
		case <-timer.C:
		}
		cctx, cancel := context.WithTimeout(ctx, s.opTimeout)
		var vcmd *redis.StringCmd
		var lcmd *redis.IntCmd
		_, err := s.client.Pipelined(cctx, func(p redis.Pipeliner) error {
			vcmd = p.Get(cctx, vkey)
			lcmd = p.Exists(cctx, lkey)
			return nil
		})
		cancel()
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil {
				return Coalesced, nil, ctx.Err()
			}
			s.fail("wait", err)
			v, err := load(ctx)
			return Failover, v, err
		}
		s.ok()
		if v, err := vcmd.Bytes(); err == nil {
			if bytes.Equal(v, oversize) {
				v, err := load(ctx)
				return Oversize, v, err
			}
			if s.obs != nil {
				s.obs.Bytes("read", len(v))
			}
			return Coalesced, v, nil
		}
		if lcmd.Val() == 0 {
			return Miss, nil, nil
		}
		interval = min(interval*3/2, maxPoll)
		timer.Reset(interval)
	}
}

// Put stores a value loaded outside Do (an alert's fresh run), unless it
// is over the cap or Redis is marked down.
func (s *Store) Put(ctx context.Context, key string, v []byte) {
	if s.isDown() || int64(len(v)) > s.maxEntry {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opTimeout)
	defer cancel()
	if err := s.client.Set(cctx, s.prefix+"v:"+key, v, s.ttl).Err(); err != nil {
		s.fail("set", err)
		return
	}
	if s.obs != nil {
		s.obs.Bytes("write", len(v))
	}
}

func (s *Store) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.downUntil)
}

// fail marks Redis unavailable for the current retry interval and logs the
// transition once.
func (s *Store) fail(op string, err error) {
	if s.obs != nil {
		s.obs.Error(op)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Before(s.downUntil) {
		return // already down; another caller logged it
	}
	switch {
	case s.retry == 0:
		s.retry = minRetry
	default:
		s.retry = min(2*s.retry, maxRetry)
	}
	s.downUntil = now.Add(s.retry)
	if s.log != nil {
		s.log.Warn("shared cache: Redis failed; queries run without it (local cache only) until the next try",
			"op", op, "error", err.Error(), "retryIn", s.retry.String())
	}
}

// ok records a command that worked: the next failure starts at the
// shortest retry interval again.
func (s *Store) ok() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retry != 0 && !s.now().Before(s.downUntil) {
		if s.log != nil {
			s.log.Info("shared cache: Redis answers again")
		}
		s.retry = 0
	}
}
