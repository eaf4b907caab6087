package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/bigtent/quarry/pkg/engine"
)

// closeCounter is an engine whose only method in use is Close, which it
// counts (the rest of engine.Engine is never called by these tests).
type closeCounter struct {
	engine.Engine
	closes atomic.Int64
}

func (c *closeCounter) Close() error { c.closes.Add(1); return nil }

// countedDatasource is a Datasource (default settings) over eng.
func countedDatasource(t *testing.T, eng engine.Engine) *Datasource {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"engine": "duckdb"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewWithService(NewService(cfg, eng, Deps{Logger: log.NewNullLogger()}))
}

// TestDisposeOnce: concurrent and repeated Dispose calls close the engine
// once.
func TestDisposeOnce(t *testing.T) {
	eng := &closeCounter{}
	d := countedDatasource(t, eng)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); d.Dispose() }()
	}
	wg.Wait()
	d.Dispose()
	if n := eng.closes.Load(); n != 1 {
		t.Errorf("the engine was closed %d times, want 1", n)
	}
}

// TestDisposeAfterFailedSettings replays the SDK's instance manager when an
// admin saves settings that fail to open: the manager schedules a Dispose
// of the cached instance on each Get (the health check, then the query),
// the failed instance never replaces it, and both Disposes fire 5 s later
// on the same instance. Our Dispose must close the engine once (two closes
// of an in-memory DuckDB freed its memory twice and crashed the plugin).
func TestDisposeAfterFailedSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the SDK's 5 s dispose delay")
	}
	eng := &closeCounter{}
	im := datasource.NewInstanceManager(func(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
		var js struct {
			Bad bool `json:"bad"`
		}
		_ = json.Unmarshal(s.JSONData, &js)
		if js.Bad {
			return nil, errors.New("settings: bad")
		}
		return countedDatasource(t, eng), nil
	})
	pc := func(updated time.Time, jsonData string) backend.PluginContext {
		return backend.PluginContext{OrgID: 1, PluginID: "quarry", DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 7, UID: "dispose", Updated: updated, JSONData: []byte(jsonData)}}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if _, err := im.Get(ctx, pc(t0, `{}`)); err != nil {
		t.Fatal(err)
	}
	bad := pc(t0.Add(time.Second), `{"bad": true}`)
	for range 3 { // health, query, another query: each schedules a Dispose
		if _, err := im.Get(ctx, bad); err == nil {
			t.Fatal("the bad settings opened")
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for eng.closes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the other scheduled Disposes fire too
	if n := eng.closes.Load(); n != 1 {
		t.Errorf("the cached instance's engine was closed %d times, want 1", n)
	}
}
