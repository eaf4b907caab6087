package plugin

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name     string
		jsonData string
		wantErr  string // substring; "" = valid
		check    func(t *testing.T, c Config)
	}{
		{
			name: "defaults", jsonData: `{}`,
			check: func(t *testing.T, c Config) {
				if c.Engine != "duckdb" || c.MaxRows != DefaultMaxRows || time.Duration(c.QueryTimeout) != DefaultQueryTimeout ||
					time.Duration(*c.CacheTTL) != DefaultCacheTTL || c.CacheMaxBytes != DefaultCacheMaxBytes {
					t.Errorf("defaults not applied: %+v", c.Settings)
				}
			},
		},
		{
			name:     "common keys are kept from the engine",
			jsonData: `{"engine":"postgres","host":"db","port":5432,"maxRows":50,"queryTimeout":"5s","cacheTTL":0,"maxBytes":1000,"maxUSD":0.5,"maxEstimatedRows":7}`,
			check: func(t *testing.T, c Config) {
				var eng map[string]any
				if err := json.Unmarshal(c.EngineJSON, &eng); err != nil {
					t.Fatal(err)
				}
				if len(eng) != 2 || eng["host"] != "db" {
					t.Errorf("engine JSON = %s, want only host and port", c.EngineJSON)
				}
				if c.MaxRows != 50 || time.Duration(c.QueryTimeout) != 5*time.Second || *c.CacheTTL != 0 {
					t.Errorf("settings = %+v", c.Settings)
				}
				if c.Budget != (engine.Budget{MaxBytes: 1000, MaxUSD: 0.5, MaxRows: 7}) {
					t.Errorf("budget = %+v", c.Budget)
				}
			},
		},
		{name: "duration as seconds", jsonData: `{"queryTimeout": 2.5}`, check: func(t *testing.T, c Config) {
			if time.Duration(c.QueryTimeout) != 2500*time.Millisecond {
				t.Errorf("queryTimeout = %v", time.Duration(c.QueryTimeout))
			}
		}},
		{name: "unknown engine", jsonData: `{"engine":"oracle"}`, wantErr: `engine: "oracle" is not one of duckdb, postgres, clickhouse, bigquery`},
		{name: "bad duration names its key", jsonData: `{"queryTimeout":"soon"}`, wantErr: `settings: queryTimeout: "soon" is not a duration`},
		{name: "wrong type", jsonData: `{"maxRows":"many"}`, wantErr: "maxRows: expected int64"},
		{name: "negative budget", jsonData: `{"maxUSD":-1}`, wantErr: "maxUSD: must be 0 (unlimited) or positive"},
		{name: "not an object", jsonData: `[1]`, wantErr: "jsonData is not a JSON object"},
		{name: "several errors at once", jsonData: `{"maxRows":-1,"cacheMaxBytes":-2}`, wantErr: "cacheMaxBytes"},
		{name: "redis url", jsonData: `{"cacheRedisURL":"rediss://cache.example.com:6380/1","cacheRedisMaxEntryBytes":1024}`, check: func(t *testing.T, c Config) {
			if c.CacheRedisURL != "rediss://cache.example.com:6380/1" || c.CacheRedisMaxEntryBytes != 1024 {
				t.Errorf("settings = %+v", c.Settings)
			}
			if strings.Contains(string(c.EngineJSON), "cacheRedis") {
				t.Errorf("the engine sees the cache settings: %s", c.EngineJSON)
			}
		}},
		{name: "redis scheme", jsonData: `{"cacheRedisURL":"http://cache:6379"}`, wantErr: `cacheRedisURL: scheme "http" is not redis:// or rediss:// (TLS)`},
		{name: "redis password in url", jsonData: `{"cacheRedisURL":"redis://u:s3cret-value@cache:6379"}`, wantErr: "cacheRedisURL: holds a password; put it in the secure setting cacheRedisPassword"},
		{name: "redis no host", jsonData: `{"cacheRedisURL":"redis:///1"}`, wantErr: "cacheRedisURL: names no host"},
		{name: "redis without ttl", jsonData: `{"cacheRedisURL":"redis://cache:6379","cacheTTL":0}`, wantErr: "keeps results for cacheTTL, which is 0"},
		{name: "redis tls options on plain url", jsonData: `{"cacheRedisURL":"redis://cache:6379","cacheRedisTLSSkipVerify":true}`, wantErr: "apply to rediss:// URLs only"},
		{name: "redis bad ca", jsonData: `{"cacheRedisURL":"rediss://cache:6379","cacheRedisTLSCACert":"not pem"}`, wantErr: "cacheRedisTLSCACert: holds no PEM certificate"},
		{name: "redis negative cap", jsonData: `{"cacheRedisURL":"redis://cache:6379","cacheRedisMaxEntryBytes":-1}`, wantErr: "cacheRedisMaxEntryBytes: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.jsonData), map[string]string{"password": "s3cret-value"})
			if tt.wantErr != "" {
				var se *SettingsError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &se) {
					t.Fatalf("err = %v, want a SettingsError containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret-value") {
					t.Fatalf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestRedisPasswordWithoutURL(t *testing.T) {
	_, err := ParseConfig([]byte(`{}`), map[string]string{SecretCacheRedisPassword: "s3cret-value"})
	if err == nil || !strings.Contains(err.Error(), "cacheRedisPassword: is set but cacheRedisURL is empty") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v", err)
	}
}

func TestRedact(t *testing.T) {
	base := errors.New(`connect to postgres://u:hunter2hunter2@db failed`)
	err := redactErr(base, []string{"hunter2hunter2"})
	if strings.Contains(err.Error(), "hunter2") || !errors.Is(err, base) {
		t.Fatalf("redactErr = %q (is base: %v)", err, errors.Is(err, base))
	}
	plain := errors.New("connect to db failed")
	if redactErr(plain, []string{"absent"}) != plain {
		t.Fatal("redactErr wrapped an error with nothing to redact")
	}
}
