package plugin

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine/bigquery"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/engine/duckdb"
	"github.com/bigtent/quarry/pkg/engine/postgres"
)

// settingsFieldsGolden is the listing the config page's test reads
// (src/components/config/settings.test.ts): every setting with a field, its
// default, and the message the backend gives for each bad value. The
// frontend's own checks must give exactly these messages.
var update = flag.Bool("update", false, "rewrite golden files")

const settingsFieldsGolden = "testdata/settings_fields.golden.json"

// settingField is one row of the listing.
type settingField struct {
	// Engine is "common" for the engine-independent keys.
	Engine  string         `json:"engine"`
	Key     string         `json:"key"`
	Default any            `json:"default"`
	Cases   []settingCheck `json:"cases"`
}

// settingCheck is a bad value and the backend's message for it, without
// the engine's prefix ("settings: ", "invalid PostgreSQL settings: ", ...).
type settingCheck struct {
	Value   any    `json:"value"`
	Message string `json:"message"`
}

// minimalJSON is a valid jsonData per engine: a case sets one more key, so
// its only error is the one for that key.
var minimalJSON = map[string]map[string]any{
	"duckdb":     {"engine": "duckdb"},
	"postgres":   {"engine": "postgres", "host": "db", "database": "app", "user": "grafana_reader"},
	"clickhouse": {"engine": "clickhouse", "host": "ch"},
	"bigquery":   {"engine": "bigquery", "defaultProject": "my-project"},
}

// messagePrefix is what each engine's error text starts with.
var messagePrefix = map[string]string{
	"common":     "settings: ",
	"engineJSON": "settings (", // "settings (postgres): key: ..." for a value of the wrong type
	"duckdb":     "duckdb settings: ",
	"postgres":   "invalid PostgreSQL settings: ",
	"clickhouse": "invalid ClickHouse settings: ",
	"bigquery":   "bigquery settings: ",
}

func dur(d time.Duration) string { return d.String() }

// settingFieldTable lists the fields of the config page with the backend's
// defaults (its own constants) and bad values to try. The messages are not
// written here: the backend produces them.
func settingFieldTable() []struct {
	engine, key string
	def         any
	bad         []any
} {
	return []struct {
		engine, key string
		def         any
		bad         []any
	}{
		{"common", "maxRows", DefaultMaxRows, []any{-1, 1.5}},
		{"common", "maxResultBytes", DefaultMaxResultBytes, []any{-1}},
		{"common", "queryTimeout", dur(DefaultQueryTimeout), []any{"-5s", "soon"}},
		{"common", "cacheTTL", dur(DefaultCacheTTL), []any{"-1s", "1 minute"}},
		{"common", "cacheMaxBytes", DefaultCacheMaxBytes, []any{-2, 0.5}},
		{"common", "cacheRedisURL", "", []any{"http://cache:6379", "redis://:hunter2@cache:6379/0", "redis:///0", "cache:6379"}},
		{"common", "cacheRedisMaxEntryBytes", int64(shared.DefaultMaxEntryBytes), []any{-1, 0.5}},
		{"common", "concurrency", DefaultConcurrency, []any{65, -1, 2.5}},
		{"common", "incremental", false, []any{}},
		{"common", "incrementalOverlap", dur(DefaultIncrementalOverlap), []any{"-1s", "ten minutes"}},
		{"common", "maxBytes", 0, []any{-1}},
		{"common", "maxUSD", 0, []any{-0.5}},
		{"common", "maxEstimatedRows", 0, []any{-1}},
		{"common", "allowedFunctions", []string{}, []any{[]string{"read_csv", "a b"}, []string{"pg_read_file()"}}},
		{"common", "allowedSchemas", []string{}, []any{[]string{"public", "x;y"}}},
		{"common", "allowedDatabases", []string{}, []any{[]string{`"quoted"`}}},
		{"clickhouse", "allowedTableFunctions", []string{}, []any{[]string{"numbers", "url('x')"}}},
		{"bigquery", "allowedDatasets", []string{}, []any{[]string{"analytics", "other project.sales"}}},

		{"postgres", "host", "", []any{"postgres://db"}},
		{"postgres", "port", postgres.DefaultPort, []any{70000, -1}},
		{"postgres", "sslmode", "prefer", []any{}},
		{"postgres", "maxConns", postgres.DefaultMaxConns, []any{1001, -1}},
		{"postgres", "connMaxLifetime", dur(postgres.DefaultConnMaxLifetime), []any{"-1s", "forever"}},
		{"postgres", "connectTimeout", dur(postgres.DefaultConnectTimeout), []any{"-1s"}},

		{"clickhouse", "host", "", []any{"http://ch"}},
		{"clickhouse", "port", clickhouse.DefaultPort, []any{8123, 70000}},
		{"clickhouse", "maxOpenConns", clickhouse.DefaultMaxOpenConns, []any{1001, -1}},
		{"clickhouse", "dialTimeout", dur(clickhouse.DefaultDialTimeout), []any{"-1s"}},
		{"clickhouse", "compression", clickhouse.DefaultCompression, []any{}},

		{"bigquery", "defaultProject", "", []any{"My_Project", "abcde", "my-project-", "1project", "a234567890123456789012345678901"}},
		{"bigquery", "defaultDataset", "", []any{"web-logs"}},
		{"bigquery", "processingLocation", "", []any{"us central"}},
		{"bigquery", "endpoint", "", []any{"localhost:9050"}},
		{"bigquery", "priority", string(bigquery.PriorityInteractive), []any{}},
		{"bigquery", "maxBytesBilled", 0, []any{-1}},
		{"bigquery", "pricePerTiB", bigquery.DefaultPricePerTiB, []any{-1}},
		{"bigquery", "pageSize", bigquery.DefaultPageSize, []any{100001, -1}},
		{"bigquery", "storageReadApi", false, []any{}},
		{"bigquery", "storageEndpoint", "", []any{"localhost"}},

		{"duckdb", "threads", 0, []any{2000, -1}},
		{"duckdb", "memoryLimit", "", []any{"lots", "2 G"}},
		{"duckdb", "maxConnections", duckdb.DefaultMaxConnections, []any{-1}},
	}
}

// backendMessage validates minimal settings plus key=value as the plugin
// does (ParseConfig, then the engine's own checks) and returns the one
// error message without its prefix.
func backendMessage(t *testing.T, engineName, key string, value any) string {
	t.Helper()
	base := engineName
	if base == "common" {
		base = "duckdb"
	}
	jd := map[string]any{}
	for k, v := range minimalJSON[base] {
		jd[k] = v
	}
	jd[key] = value
	raw, err := json.Marshal(jd)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(raw, nil)
	if err == nil {
		err = ValidateEngine(cfg)
	}
	if err == nil {
		t.Fatalf("%s %s=%v: the backend accepts it; pick a value it refuses", engineName, key, value)
	}
	text := err.Error()
	if strings.Contains(text, "\n") {
		t.Fatalf("%s %s=%v: more than one error: %q", engineName, key, value, text)
	}
	if rest, ok := strings.CutPrefix(text, messagePrefix["engineJSON"]); ok {
		if _, msg, ok := strings.Cut(rest, "): "); ok {
			return msg
		}
	}
	for _, p := range messagePrefix {
		if strings.HasPrefix(text, p) {
			return strings.TrimPrefix(text, p)
		}
	}
	t.Fatalf("%s %s=%v: message %q has no known prefix", engineName, key, value, text)
	return ""
}

// TestSettingsFieldsGolden builds the listing of config fields from the
// backend's defaults and validation, and compares it with the golden file
// the frontend test reads (go test -run TestSettingsFieldsGolden -update
// rewrites it).
func TestSettingsFieldsGolden(t *testing.T) {
	var fields []settingField
	for _, row := range settingFieldTable() {
		f := settingField{Engine: row.engine, Key: row.key, Default: row.def, Cases: []settingCheck{}}
		base := row.engine
		if base == "common" {
			base = "duckdb"
		}
		// The default itself is valid.
		if s, ok := row.def.(string); !ok || s != "" {
			jd := map[string]any{}
			for k, v := range minimalJSON[base] {
				jd[k] = v
			}
			jd[row.key] = row.def
			raw, _ := json.Marshal(jd)
			cfg, err := ParseConfig(raw, nil)
			if err == nil {
				err = ValidateEngine(cfg)
			}
			if err != nil {
				t.Errorf("%s %s: the default %v is refused: %v", row.engine, row.key, row.def, err)
			}
		}
		for _, v := range row.bad {
			f.Cases = append(f.Cases, settingCheck{Value: v, Message: backendMessage(t, row.engine, row.key, v)})
		}
		fields = append(fields, f)
	}
	got, err := json.MarshalIndent(map[string]any{
		"comment": "Generated by go test ./pkg/plugin -run TestSettingsFieldsGolden -update. Read by src/components/config/settings.test.ts.",
		"fields":  fields,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.FromSlash(settingsFieldsGolden)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the backend's settings; run go test ./pkg/plugin -run TestSettingsFieldsGolden -update, then npm test\n got: %s", path, got)
	}
}

// TestSettingsFieldsCoverEngineKeys checks that the listing names every
// jsonData key of each engine's Settings (so a new setting gets a field).
func TestSettingsFieldsCoverEngineKeys(t *testing.T) {
	listed := map[string]bool{}
	for _, row := range settingFieldTable() {
		listed[row.key] = true
	}
	// Keys with a field of their own kind on the page (text, PEM, switches)
	// or none on purpose.
	elsewhere := map[string]string{
		"engine": "the engine picker", "adhocTable": "a text field", "database": "a text field", "user": "a text field",
		"sslRootCert": "a PEM field", "sslCert": "a PEM field", "secure": "a switch", "tlsSkipVerify": "a switch",
		"tlsServerName": "a text field", "tlsCACert": "a PEM field", "tlsClientCert": "a PEM field",
		"path": "a text field (checked on the server's disk)", "dataFolder": "a text field (checked on the server's disk)",
		"queryTimeout":            "the common query timeout (the engine's own key is never read: it is a common key)",
		"budget":                  "the common guardrails (maxBytes, maxUSD, maxEstimatedRows)",
		"skipSample":              "none: for tests",
		"cacheRedisTLSCACert":     "a PEM field (shown for rediss:// URLs)",
		"cacheRedisTLSSkipVerify": "a switch (shown for rediss:// URLs)",
		"oauthPassThru":           "a switch (Forward OAuth identity)",
		"chunkRows":               "none: provisioning only (chunk size of QueryChunkedData, README)",
		"chunkBytes":              "none: provisioning only (chunk size of QueryChunkedData, README)",
	}
	for _, s := range []any{Settings{}, AccessJSON{}, BudgetJSON{}, postgres.Settings{}, clickhouse.Settings{}, bigquery.Settings{}, duckdb.Settings{}} {
		keys := map[string]bool{}
		for _, k := range jsonKeysOf(s) {
			keys[k] = true
		}
		for k := range keys {
			if !listed[k] && elsewhere[k] == "" {
				t.Errorf("jsonData key %q (%T) has no row in settingFieldTable and no field elsewhere", k, s)
			}
		}
	}
}

// jsonKeysOf returns the JSON names of a struct's fields (not "-").
func jsonKeysOf(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}
