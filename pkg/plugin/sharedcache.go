package plugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/cache"
	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// CacheScope says who may share a cached result besides the query itself:
// the data source (uid, org and settings version) and, when per-user
// credentials are used, the user. The quarry CLI leaves it empty.
type CacheScope struct {
	DataSourceUID string
	OrgID         int64
	// Updated is when the data source's settings last changed: a change
	// starts new entries.
	Updated time.Time
	// User is the forwarded identity; set only when the data source
	// forwards the user's identity (oauthPassThru) or the request carries
	// a forwarded token.
	User string
}

// cacheScope is the scope of one QueryData request; hdr is
// req.GetHTTPHeaders().
func cacheScope(req *backend.QueryDataRequest, hdr http.Header, cfg Config) CacheScope {
	pc := req.PluginContext
	sc := CacheScope{OrgID: pc.OrgID}
	if ds := pc.DataSourceInstanceSettings; ds != nil {
		sc.DataSourceUID, sc.Updated = ds.UID, ds.Updated
	}
	token := hdr.Get(backend.OAuthIdentityTokenHeaderName)
	idToken := hdr.Get(backend.OAuthIdentityIDTokenHeaderName)
	if !cfg.OAuthPassThru && token == "" && idToken == "" {
		return sc
	}
	switch {
	case pc.User != nil && pc.User.Login != "":
		sc.User = "login:" + pc.User.Login
	case pc.User != nil && pc.User.Email != "":
		sc.User = "email:" + pc.User.Email
	default:
		// No user in the context: the token itself tells users apart
		// (hashed; it never reaches Redis or a log).
		h := sha256.Sum256([]byte(token + "\x00" + idToken))
		sc.User = "token:" + hex.EncodeToString(h[:])
	}
	return sc
}

// sharedLevel is the two-level cache of encoded results used when
// cacheRedisURL is set: local first (a byte-bounded LRU of the same bytes,
// which also coalesces a process's identical queries), then Redis.
type sharedLevel struct {
	local *cache.Cache[[]byte]
	store *shared.Store
}

func newSharedLevel(cfg Config, deps Deps) (*sharedLevel, error) {
	store, err := shared.New(shared.Options{
		URL:           strings.TrimSpace(cfg.CacheRedisURL),
		Password:      cfg.Secrets[SecretCacheRedisPassword],
		TLSCACert:     cfg.CacheRedisTLSCACert,
		TLSSkipVerify: cfg.CacheRedisTLSSkipVerify,
		TTL:           time.Duration(*cfg.CacheTTL),
		MaxEntryBytes: cfg.CacheRedisMaxEntryBytes,
		Logger:        deps.Logger,
		Observer:      sharedObserver{deps.Metrics},
	})
	if err != nil {
		return nil, err
	}
	return &sharedLevel{local: cache.New[[]byte](time.Duration(*cfg.CacheTTL), cfg.CacheMaxBytes), store: store}, nil
}

// sharedKey is the Redis key of one query's frames: every input of the
// result (README, Running at scale).
func (s *Service) sharedKey(plan *sqlplan.Plan, opts engine.QueryOptions, q Query) string {
	return s.resultKey("quarry-frames-v1", plan, opts, q)
}

// resultKey hashes kind, every input of a query's shaped result and extra.
func (s *Service) resultKey(kind string, plan *sqlplan.Plan, opts engine.QueryOptions, q Query, extra ...string) string {
	fill, _ := json.Marshal(plan.Fill)
	h := sha256.New()
	for _, part := range append([]string{
		kind,
		q.Scope.DataSourceUID, fmt.Sprint(q.Scope.OrgID), fmt.Sprint(q.Scope.Updated.UnixMilli()), q.Scope.User,
		s.cfg.Engine, cacheKey(plan, opts), // final SQL, dialect, row and byte caps, location, priority
		string(q.Model.Format), string(fill), fmt.Sprint(q.Variable), q.RefID,
		fmt.Sprint(q.TimeRange.From.UnixNano()), fmt.Sprint(q.TimeRange.To.UnixNano()),
		fmt.Sprint(int64(q.Interval)), plan.Request.Timezone,
	}, extra...) {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runShared serves one planned query through the two-level cache. The
// loader runs the engine through the table cache (which only coalesces
// when the shared level is on) and shapes and encodes the frames.
func (s *Service) runShared(ctx context.Context, q Query, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result) error {
	key := s.sharedKey(plan, opts, q)
	tkey := cacheKey(plan, opts) + q.Scope.User
	encode := func(ctx context.Context) ([]byte, error) {
		r, o, err := s.cache.Do(ctx, tkey, func(ctx context.Context) (*result, int64, error) {
			return s.load(ctx, plan, q, opts)
		})
		if err != nil {
			return nil, err
		}
		s.incrementalStep(plan, r, o == cache.Hit)
		fr, err := s.shape(r, plan, q, false)
		if err != nil {
			return nil, err
		}
		return encodeEntry(r, fr)
	}
	var (
		v       []byte
		outcome cache.Outcome
		remote  shared.Outcome
		err     error
	)
	if q.Fresh {
		if v, err = encode(ctx); err == nil {
			s.shared.local.Set(key, v, int64(len(v)))
			s.shared.store.Put(ctx, key, v)
		}
	} else {
		v, outcome, err = s.shared.local.Do(ctx, key, func(ctx context.Context) ([]byte, int64, error) {
			v, o, err := s.shared.store.Do(ctx, key, encode)
			remote = o
			return v, int64(len(v)), err
		})
	}
	if outcome == cache.Miss && (remote == shared.Hit || remote == shared.Coalesced) {
		// Another replica ran it: for this process it is a cache hit
		// (no rows, bytes or cost counted here).
		outcome = cache.Hit
	}
	res.Cache = outcome
	if err != nil {
		return err
	}
	fr, hdr, err := decodeEntry(v)
	if err != nil {
		// Not ours (another version under the same prefix) or damaged:
		// run the query as if nothing were cached.
		s.deps.Logger.FromContext(ctx).Warn("shared cache: unreadable entry; running the query", "error", err.Error())
		if v, err = encode(ctx); err != nil {
			return err
		}
		outcome = cache.Miss
		res.Cache = outcome
		if fr, hdr, err = decodeEntry(v); err != nil {
			return backend.PluginError(fmt.Errorf("reading a result just encoded: %w", err))
		}
	}
	res.Stats = hdr.stats()
	frames.SetMeta(fr, frames.Meta{
		ExecutedSQL: plan.SQL, Rows: hdr.Rows, BytesProcessed: hdr.BytesProcessed, BytesBilled: hdr.BytesBilled,
		USD: hdr.USD, Duration: time.Duration(hdr.DurationNs), CacheHit: outcome == cache.Hit, JobID: hdr.JobID,
		Steps: plan.Steps, Warnings: plan.Warnings, Truncated: hdr.Truncated, MaxRows: plan.RowCap, MaxBytes: hdr.MaxBytes,
	})
	for _, f := range fr {
		f.RefID = q.RefID
	}
	res.Frames = fr
	return nil
}

// entryMagic starts every encoded entry (and never the shared store's
// oversize marker, which starts with a NUL byte).
const entryMagic = "QRE1"

// entryHeader is what an entry keeps besides the frames: the execution's
// statistics, for the frames' meta on every later hit.
type entryHeader struct {
	Rows           int64   `json:"rows"`
	BytesProcessed int64   `json:"bytesProcessed,omitempty"`
	BytesBilled    int64   `json:"bytesBilled,omitempty"`
	USD            float64 `json:"usd,omitempty"`
	DurationNs     int64   `json:"durationNs"`
	JobID          string  `json:"jobId,omitempty"`
	Truncated      bool    `json:"truncated,omitempty"`
	MaxBytes       int64   `json:"maxBytes,omitempty"`
}

func (h entryHeader) stats() engine.QueryStats {
	return engine.QueryStats{Rows: h.Rows, BytesProcessed: h.BytesProcessed, BytesBilled: h.BytesBilled, USD: h.USD,
		Duration: time.Duration(h.DurationNs), JobID: h.JobID}
}

// encodeEntry writes magic, the JSON header and each frame's Arrow IPC
// bytes, each with a uvarint length.
func encodeEntry(r *result, fr data.Frames) ([]byte, error) {
	hdr, err := json.Marshal(entryHeader{
		Rows: r.stats.Rows, BytesProcessed: r.stats.BytesProcessed, BytesBilled: r.stats.BytesBilled, USD: r.stats.USD,
		DurationNs: int64(r.stats.Duration), JobID: r.stats.JobID, Truncated: r.table.Truncated(), MaxBytes: maxBytesIfCapped(r.table),
	})
	if err != nil {
		return nil, err
	}
	parts, err := fr.MarshalArrow()
	if err != nil {
		return nil, fmt.Errorf("encoding frames: %w", err)
	}
	size := len(entryMagic) + binary.MaxVarintLen64*(2+len(parts)) + len(hdr)
	for _, p := range parts {
		size += len(p)
	}
	out := make([]byte, 0, size)
	out = append(out, entryMagic...)
	out = binary.AppendUvarint(out, uint64(len(hdr)))
	out = append(out, hdr...)
	out = binary.AppendUvarint(out, uint64(len(parts)))
	for _, p := range parts {
		out = binary.AppendUvarint(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out, nil
}

var errBadEntry = errors.New("not a Quarry cache entry (wrong magic or truncated)")

// decodeEntry reads what encodeEntry wrote.
func decodeEntry(b []byte) (data.Frames, entryHeader, error) {
	var hdr entryHeader
	if !bytes.HasPrefix(b, []byte(entryMagic)) {
		return nil, hdr, errBadEntry
	}
	b = b[len(entryMagic):]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errBadEntry
		}
		p := b[k : k+int(n)]
		b = b[k+int(n):]
		return p, nil
	}
	h, err := next()
	if err != nil {
		return nil, hdr, err
	}
	if err := json.Unmarshal(h, &hdr); err != nil {
		return nil, hdr, fmt.Errorf("entry header: %w", err)
	}
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, hdr, errBadEntry
	}
	b = b[k:]
	parts := make([][]byte, 0, count)
	for range count {
		p, err := next()
		if err != nil {
			return nil, hdr, err
		}
		parts = append(parts, p)
	}
	if len(b) != 0 {
		return nil, hdr, errBadEntry
	}
	fr, err := data.UnmarshalArrowFrames(parts)
	if err != nil {
		return nil, hdr, fmt.Errorf("decoding frames: %w", err)
	}
	return fr, hdr, nil
}
