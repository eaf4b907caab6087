package plugin

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
)

// Defaults for the data source settings.
const (
	DefaultMaxRows = 100_000
	// DefaultMaxResultBytes caps one result's values at 256 MiB.
	DefaultMaxResultBytes = 256 << 20
	DefaultQueryTimeout   = 60 * time.Second
	DefaultCacheTTL       = 30 * time.Second
	DefaultCacheMaxBytes  = 64 << 20
	// DefaultIncrementalOverlap is the default incrementalOverlap (as
	// Prometheus's incremental querying uses).
	DefaultIncrementalOverlap = 10 * time.Minute
	DefaultConcurrency        = 4
)

// Settings are the engine-independent part of a data source's jsonData.
// Every other jsonData key belongs to the engine named by Engine and is
// decoded into that engine's own settings type.
type Settings struct {
	// Engine is postgres, clickhouse, bigquery or duckdb.
	Engine string `json:"engine"`
	// MaxRows is the default row cap of a query (a query may lower or raise it
	// up to this value); 0 means DefaultMaxRows.
	MaxRows int64 `json:"maxRows"`
	// MaxResultBytes caps the size of one query's result in bytes: the
	// result stops there, with a notice, like at the row cap; 0 means
	// DefaultMaxResultBytes.
	MaxResultBytes int64 `json:"maxResultBytes"`
	// ChunkRows and ChunkBytes size the chunks of QueryChunkedData: a
	// chunk ends at the first page that brings it to ChunkRows rows or
	// ChunkBytes bytes of values (0: 65536 rows, 8 MiB).
	ChunkRows  int   `json:"chunkRows"`
	ChunkBytes int64 `json:"chunkBytes"`
	// QueryTimeout bounds one query ("30s", or a number of seconds).
	QueryTimeout Duration `json:"queryTimeout"`
	// CacheTTL keeps identical results ("0" disables the cache).
	CacheTTL *Duration `json:"cacheTTL"`
	// CacheMaxBytes bounds the result cache.
	CacheMaxBytes int64 `json:"cacheMaxBytes"`
	// CacheRedisURL turns on the shared cache: redis://[user@]host:port[/db],
	// or rediss:// for TLS. The password is the secret cacheRedisPassword.
	// Replicas pointing at the same Redis share results and run identical
	// queries once (README, Running at scale).
	CacheRedisURL string `json:"cacheRedisURL"`
	// CacheRedisMaxEntryBytes caps one result in Redis; larger results stay
	// in the local cache only (0: 8 MiB).
	CacheRedisMaxEntryBytes int64 `json:"cacheRedisMaxEntryBytes"`
	// CacheRedisTLSCACert is a PEM bundle of the CAs of a rediss:// server
	// (default: the system's roots); CacheRedisTLSSkipVerify skips the check.
	CacheRedisTLSCACert     string `json:"cacheRedisTLSCACert"`
	CacheRedisTLSSkipVerify bool   `json:"cacheRedisTLSSkipVerify"`
	// OAuthPassThru is Grafana's "Forward OAuth identity": each user's
	// results are cached apart (the user is part of the cache key).
	OAuthPassThru bool `json:"oauthPassThru"`
	// Concurrency bounds the queries of one request run at once.
	Concurrency int `json:"concurrency"`
	// Incremental turns on incremental refresh: when a query's range moves
	// forward and the planner proves it exact, only the tail is queried and
	// merged with the cached buckets (off by default).
	Incremental bool `json:"incremental"`
	// IncrementalOverlap is how far back from the previous range's end the
	// tail starts, so late rows are picked up (default 10m).
	IncrementalOverlap *Duration `json:"incrementalOverlap"`
	// AdhocTable is the table ("dataset.table") whose columns are the ad hoc
	// filter keys when a tag-keys / tag-values call names none.
	AdhocTable string `json:"adhocTable"`
	// Budget refuses queries whose estimate exceeds it; jsonData keys
	// maxBytes, maxUSD and maxEstimatedRows (0 = unlimited).
	Budget engine.Budget `json:"-"`
	// Access holds the trust allow-lists, jsonData keys allowedFunctions,
	// allowedTableFunctions, allowedSchemas, allowedDatabases and
	// allowedDatasets (lists of names; empty: the planner's defaults).
	Access AccessJSON `json:"-"`
}

// AccessJSON is the jsonData form of the trust allow-lists. The planner
// refuses what they do not open (see README, Security).
type AccessJSON struct {
	AllowedFunctions      []string `json:"allowedFunctions,omitempty"`
	AllowedTableFunctions []string `json:"allowedTableFunctions,omitempty"`
	AllowedSchemas        []string `json:"allowedSchemas,omitempty"`
	AllowedDatabases      []string `json:"allowedDatabases,omitempty"`
	AllowedDatasets       []string `json:"allowedDatasets,omitempty"`
}

// guardOptions returns the allow-lists as the planner's options.
func (a AccessJSON) guardOptions() guard.Options {
	return guard.Options{AllowedFunctions: a.AllowedFunctions, AllowedTableFunctions: a.AllowedTableFunctions,
		AllowedSchemas: a.AllowedSchemas, AllowedDatabases: a.AllowedDatabases, AllowedDatasets: a.AllowedDatasets}
}

// BudgetJSON is the budget's jsonData form (also in /estimate replies).
type BudgetJSON struct {
	MaxBytes         int64   `json:"maxBytes"`
	MaxUSD           float64 `json:"maxUSD"`
	MaxEstimatedRows int64   `json:"maxEstimatedRows"`
}

// commonKeys are the jsonData keys owned by Settings and Budget; the engine
// never sees them. allowedDatasets is not among them: BigQuery also checks
// the dry run's referenced tables against it.
var commonKeys = []string{"engine", "maxRows", "maxResultBytes", "queryTimeout", "cacheTTL", "cacheMaxBytes", "concurrency", "adhocTable",
	"cacheRedisURL", "cacheRedisMaxEntryBytes", "cacheRedisTLSCACert", "cacheRedisTLSSkipVerify", "oauthPassThru",
	"maxBytes", "maxUSD", "maxEstimatedRows",
	"allowedFunctions", "allowedTableFunctions", "allowedSchemas", "allowedDatabases"}

// EngineNames are the engine names Settings.Engine accepts.
func EngineNames() []string { return []string{"duckdb", "postgres", "clickhouse", "bigquery"} }

// Config is a decoded, validated data source configuration.
type Config struct {
	Settings
	// EngineJSON is jsonData without the common keys, for the engine.
	EngineJSON json.RawMessage
	// Secrets is secureJsonData (never logged).
	Secrets map[string]string
}

// ParseConfig decodes jsonData and secureJsonData and validates the common
// part. Errors name the field and say what to do; they never quote a secret.
func ParseConfig(jsonData []byte, secure map[string]string) (Config, error) {
	cfg, err := parseConfig(jsonData, secure)
	if err != nil {
		return cfg, &SettingsError{Err: err}
	}
	return cfg, nil
}

func parseConfig(jsonData []byte, secure map[string]string) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(jsonData)) == 0 {
		jsonData = []byte("{}")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(jsonData, &raw); err != nil {
		return cfg, fmt.Errorf("settings: jsonData is not a JSON object: %w", err)
	}
	if err := decodeObject(jsonData, &cfg.Settings); err != nil {
		return cfg, fmt.Errorf("settings: %w", err)
	}
	var b BudgetJSON
	if err := decodeObject(jsonData, &b); err != nil {
		return cfg, fmt.Errorf("settings: %w", err)
	}
	cfg.Budget = engine.Budget{MaxBytes: b.MaxBytes, MaxUSD: b.MaxUSD, MaxRows: b.MaxEstimatedRows}
	if err := decodeObject(jsonData, &cfg.Access); err != nil {
		return cfg, fmt.Errorf("settings: %w", err)
	}
	for _, k := range commonKeys {
		delete(raw, k)
	}
	engineJSON, err := json.Marshal(raw)
	if err != nil {
		return cfg, fmt.Errorf("settings: %w", err)
	}
	cfg.EngineJSON = engineJSON
	cfg.Secrets = secure
	cfg.Settings = cfg.withDefaults()
	return cfg, cfg.validate()
}

func (s Settings) withDefaults() Settings {
	s.Engine = strings.ToLower(strings.TrimSpace(s.Engine))
	if s.Engine == "" {
		s.Engine = "duckdb"
	}
	if s.MaxRows == 0 {
		s.MaxRows = DefaultMaxRows
	}
	if s.MaxResultBytes == 0 {
		s.MaxResultBytes = DefaultMaxResultBytes
	}
	if s.ChunkRows == 0 {
		s.ChunkRows = frames.DefaultChunkRows
	}
	if s.ChunkBytes == 0 {
		s.ChunkBytes = frames.DefaultChunkBytes
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = Duration(DefaultQueryTimeout)
	}
	if s.CacheTTL == nil {
		d := Duration(DefaultCacheTTL)
		s.CacheTTL = &d
	}
	if s.CacheMaxBytes == 0 {
		s.CacheMaxBytes = DefaultCacheMaxBytes
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.IncrementalOverlap == nil {
		d := Duration(DefaultIncrementalOverlap)
		s.IncrementalOverlap = &d
	}
	return s
}

func (c Config) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("settings: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	known := false
	for _, e := range EngineNames() {
		known = known || e == c.Engine
	}
	if !known {
		bad("engine", "%q is not one of %s", c.Engine, strings.Join(EngineNames(), ", "))
	}
	if c.MaxRows < 0 {
		bad("maxRows", "must be positive, got %d", c.MaxRows)
	}
	if c.MaxResultBytes < 0 {
		bad("maxResultBytes", "must be positive (bytes; default %d, 256 MiB), got %d", int64(DefaultMaxResultBytes), c.MaxResultBytes)
	}
	if c.ChunkRows < 0 {
		bad("chunkRows", "must be positive (rows a chunk of a streamed query holds; default %d), got %d", frames.DefaultChunkRows, c.ChunkRows)
	}
	if c.ChunkBytes < 0 {
		bad("chunkBytes", "must be positive (bytes of values a chunk of a streamed query holds; default %d, 8 MiB), got %d", int64(frames.DefaultChunkBytes), c.ChunkBytes)
	}
	if c.QueryTimeout < 0 {
		bad("queryTimeout", "must be positive, got %s", time.Duration(c.QueryTimeout))
	}
	if *c.CacheTTL < 0 {
		bad("cacheTTL", "must be 0 (no cache) or positive, got %s", time.Duration(*c.CacheTTL))
	}
	if c.CacheMaxBytes < 0 {
		bad("cacheMaxBytes", "must be positive, got %d", c.CacheMaxBytes)
	}
	c.validateRedis(bad)
	if *c.IncrementalOverlap < 0 {
		bad("incrementalOverlap", "must be 0 or positive, got %s", time.Duration(*c.IncrementalOverlap))
	}
	if c.Concurrency < 0 || c.Concurrency > 64 {
		bad("concurrency", "must be between 1 and 64, got %d", c.Concurrency)
	}
	if c.Budget.MaxBytes < 0 {
		bad("maxBytes", "must be 0 (unlimited) or positive, got %d", c.Budget.MaxBytes)
	}
	if c.Budget.MaxUSD < 0 {
		bad("maxUSD", "must be 0 (unlimited) or positive, got %g", c.Budget.MaxUSD)
	}
	if c.Budget.MaxRows < 0 {
		bad("maxEstimatedRows", "must be 0 (unlimited) or positive, got %d", c.Budget.MaxRows)
	}
	if err := c.Access.guardOptions().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("settings: %w", err))
	}
	if len(c.Access.AllowedTableFunctions) > 0 && c.Engine != "clickhouse" {
		bad("allowedTableFunctions", "applies to ClickHouse only; for %s use allowedFunctions", c.Engine)
	}
	if len(c.Access.AllowedDatasets) > 0 && c.Engine != "bigquery" {
		bad("allowedDatasets", "applies to BigQuery only; for %s use allowedSchemas", c.Engine)
	}
	return errors.Join(errs...)
}

// SecretCacheRedisPassword is the secureJsonData key of the Redis password.
const SecretCacheRedisPassword = "cacheRedisPassword"

// validateRedis checks the shared cache settings. Messages never quote the
// URL: a mistyped one may hold a password.
func (c Config) validateRedis(bad func(field, format string, args ...any)) {
	if c.CacheRedisMaxEntryBytes < 0 {
		bad("cacheRedisMaxEntryBytes", "must be positive (bytes; default %d, 8 MiB), got %d", int64(shared.DefaultMaxEntryBytes), c.CacheRedisMaxEntryBytes)
	}
	if strings.TrimSpace(c.CacheRedisURL) == "" {
		if c.Secrets[SecretCacheRedisPassword] != "" {
			bad(SecretCacheRedisPassword, "is set but cacheRedisURL is empty; set cacheRedisURL (redis://host:port/db) or remove the password")
		}
		if c.CacheRedisTLSCACert != "" || c.CacheRedisTLSSkipVerify {
			bad("cacheRedisTLSCACert", "TLS options need cacheRedisURL with rediss://")
		}
		return
	}
	if _, err := shared.ParseURL(strings.TrimSpace(c.CacheRedisURL)); err != nil {
		bad("cacheRedisURL", "%s", err.Error())
		return
	}
	tlsURL := strings.HasPrefix(strings.TrimSpace(c.CacheRedisURL), "rediss://")
	if (c.CacheRedisTLSCACert != "" || c.CacheRedisTLSSkipVerify) && !tlsURL {
		bad("cacheRedisTLSCACert", "TLS options apply to rediss:// URLs only; write rediss:// to use TLS")
	}
	if c.CacheRedisTLSCACert != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CacheRedisTLSCACert)) {
		bad("cacheRedisTLSCACert", "holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	if *c.CacheTTL == 0 {
		bad("cacheRedisURL", "the shared cache keeps results for cacheTTL, which is 0 (no cache); set cacheTTL (e.g. \"30s\") or remove cacheRedisURL")
	}
}

// Duration is a settings duration in JSON ("30s" or a number of seconds).
type Duration = engine.Duration

// decodeObject decodes a JSON object into target. An error names the key
// it is about: a type error through encoding/json's own field, and an
// error of a value's own decoder (a duration such as "soon") by decoding
// the object's keys one at a time to find the one that fails.
func decodeObject(data []byte, target any) error {
	err := json.Unmarshal(data, target)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return describeJSONError(err)
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) != nil {
		return err
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	typ := reflect.TypeOf(target).Elem()
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: raw[k]})
		if kerr := json.Unmarshal(one, reflect.New(typ).Interface()); kerr != nil {
			if errors.As(kerr, &te) && te.Field != "" {
				return describeJSONError(kerr)
			}
			return fmt.Errorf("%s: %w", k, kerr)
		}
	}
	return err
}

// describeJSONError names the offending field of a type error.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}
