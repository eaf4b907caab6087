package plugin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/testenv"
)

// replica is one plugin process's view of a data source configured with
// the shared cache: its own Service (own local cache), a counting engine.
type replica struct {
	ds  *Datasource
	eng *countingEngine
	m   *Metrics
}

func newReplica(t *testing.T, jsonData map[string]any, logger log.Logger) replica {
	t.Helper()
	reg := prometheus.NewRegistry()
	ds, ce := openDuckDB(t, jsonData, reg)
	// openDuckDB wires a null logger and metrics; rebuild the service with
	// the shared level's logger when one is given.
	if logger != nil {
		svc := NewService(ds.svc.cfg, ce, Deps{Metrics: ds.svc.deps.Metrics, Logger: logger})
		ds = NewWithService(svc)
		t.Cleanup(func() { _ = svc.shared.store.Close() })
	}
	return replica{ds: ds, eng: ce, m: ds.svc.deps.Metrics}
}

func (r replica) shared(outcome string) float64 {
	return testutil.ToFloat64(r.m.shared.WithLabelValues(outcome))
}

func randomID(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// scoped is a request as Grafana sends it for one data source, org and user.
func scoped(uid string, org int64, login string, q backend.DataQuery) *backend.QueryDataRequest {
	return &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{
			OrgID: org,
			User:  &backend.User{Login: login, Email: login + "@example.com"},
			DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
				UID: uid, Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			},
		},
		Queries: []backend.DataQuery{q},
	}
}

func ask(t *testing.T, r replica, req *backend.QueryDataRequest) data.Frames {
	t.Helper()
	resp, err := r.ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	dr := resp.Responses[req.Queries[0].RefID]
	if dr.Error != nil {
		t.Fatalf("query: %v", dr.Error)
	}
	return dr.Frames
}

// sameValues compares two frame lists value by value.
func sameValues(a, b data.Frames) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d frames vs %d", len(a), len(b))
	}
	for i := range a {
		if len(a[i].Fields) != len(b[i].Fields) || a[i].Rows() != b[i].Rows() || a[i].Name != b[i].Name {
			return fmt.Errorf("frame %d: %d fields %d rows %q vs %d fields %d rows %q", i,
				len(a[i].Fields), a[i].Rows(), a[i].Name, len(b[i].Fields), b[i].Rows(), b[i].Name)
		}
		for j, f := range a[i].Fields {
			g := b[i].Fields[j]
			if f.Name != g.Name || f.Type() != g.Type() || fmt.Sprint(f.Labels) != fmt.Sprint(g.Labels) {
				return fmt.Errorf("frame %d field %d: %s %s %v vs %s %s %v", i, j, f.Name, f.Type(), f.Labels, g.Name, g.Type(), g.Labels)
			}
			for k := range f.Len() {
				fv, fok := f.ConcreteAt(k)
				gv, gok := g.ConcreteAt(k)
				if fok != gok || fmt.Sprint(fv) != fmt.Sprint(gv) {
					return fmt.Errorf("frame %d field %s row %d: %v vs %v", i, f.Name, k, fv, gv)
				}
			}
		}
	}
	return nil
}

// TestSharedCacheKeyIsolation: two replicas share an entry for the same data
// source, org and user; another data source, another org or (with per-user
// credentials) another user never gets it, so its own engine runs.
func TestSharedCacheKeyIsolation(t *testing.T) {
	r := testenv.Redis(t)
	settings := func(perUser bool) map[string]any {
		return map[string]any{"cacheRedisURL": r.URL, "oauthPassThru": perUser}
	}
	uid, other := "ds-"+randomID(t), "ds-"+randomID(t)
	sql := "SELECT $__timeGroupAlias(ts, '1h', 0), service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1, 2 ORDER BY 1"
	q := dataQuery("A", "", map[string]any{"rawSql": sql, "format": "time_series"})

	first, second := newReplica(t, settings(true), nil), newReplica(t, settings(true), nil)
	want := ask(t, first, scoped(uid, 1, "alice", q))
	if n := first.eng.queries.Load(); n != 1 {
		t.Fatalf("first replica ran %d queries, want 1", n)
	}
	// Same scope on the other replica (empty local cache): from Redis.
	got := ask(t, second, scoped(uid, 1, "alice", q))
	if n := second.eng.queries.Load(); n != 0 {
		t.Fatalf("second replica ran %d queries for the same data source, org and user; want 0 (shared)", n)
	}
	if err := sameValues(want, got); err != nil {
		t.Fatalf("the shared result differs: %v", err)
	}
	if got[0].Meta == nil || got[0].Meta.ExecutedQueryString != want[0].Meta.ExecutedQueryString || got[0].RefID != "A" {
		t.Fatalf("shared frames' meta/refId: %+v refId %q", got[0].Meta, got[0].RefID)
	}
	if second.shared("hit") != 1 {
		t.Fatalf("second replica: shared hits %v, want 1", second.shared("hit"))
	}

	for _, c := range []struct {
		name string
		req  *backend.QueryDataRequest
	}{
		{"another data source", scoped(other, 1, "alice", q)},
		{"another org", scoped(uid, 2, "alice", q)},
		{"another user (per-user credentials)", scoped(uid, 1, "bob", q)},
	} {
		before := second.eng.queries.Load()
		ask(t, second, c.req)
		if second.eng.queries.Load() != before+1 {
			t.Errorf("%s: served from another scope's entry (engine not run)", c.name)
		}
	}

	// Without per-user credentials users share: the key holds no user.
	a, b := newReplica(t, settings(false), nil), newReplica(t, settings(false), nil)
	shared := "ds-" + randomID(t)
	ask(t, a, scoped(shared, 1, "alice", q))
	ask(t, b, scoped(shared, 1, "bob", q))
	if a.eng.queries.Load() != 1 || b.eng.queries.Load() != 0 {
		t.Fatalf("without per-user credentials: engines ran %d and %d queries, want 1 and 0", a.eng.queries.Load(), b.eng.queries.Load())
	}
	// A forwarded token makes the query per-user even without the setting.
	tokenReq := scoped(shared, 1, "carol", q)
	tokenReq.Headers = map[string]string{"http_" + backend.OAuthIdentityTokenHeaderName: "Bearer abc"}
	ask(t, b, tokenReq)
	if b.eng.queries.Load() != 1 {
		t.Fatalf("a forwarded token shared another user's entry")
	}
}

// TestSharedCacheRedisDown: a data source whose Redis does not answer still
// answers every query (local cache and coalescing as without Redis), logs
// one warning and counts the failover.
func TestSharedCacheRedisDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logger := newCaptureLogger()
	rep := newReplica(t, map[string]any{"cacheRedisURL": fmt.Sprintf("redis://127.0.0.1:%d/0", port)}, logger)
	q := dataQuery("A", "", map[string]any{"rawSql": "SELECT service, count(*) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"})
	want := ask(t, rep, scoped("ds-"+randomID(t), 1, "alice", q))
	got := ask(t, rep, scoped("ds-"+randomID(t), 1, "alice", q))
	if err := sameValues(want, got); err != nil {
		t.Fatal(err)
	}
	if rep.shared("failover") != 1 || rep.shared("bypass") != 1 {
		t.Fatalf("failover %v, bypass %v; want 1 and 1", rep.shared("failover"), rep.shared("bypass"))
	}
	if logs := logger.all(); strings.Count(logs, "shared cache: Redis failed") != 1 {
		t.Fatalf("want one warning, got:\n%s", logs)
	}
}

// TestEntryRoundTrip: frames survive encodeEntry/decodeEntry; a damaged
// entry is an error, never a panic.
func TestEntryRoundTrip(t *testing.T) {
	fr := data.Frames{
		data.NewFrame("A", data.NewField("time", nil, []time.Time{time.Unix(0, 0).UTC(), time.Unix(60, 0).UTC()}),
			data.NewField("v", data.Labels{"host": "web-1"}, []*float64{nil, ptr(1.5)})),
		data.NewFrame("B", data.NewField("s", nil, []string{"x"})),
	}
	r := &result{table: emptyTable(t), stats: engineStats()}
	b, err := encodeEntry(r, fr)
	if err != nil {
		t.Fatal(err)
	}
	got, hdr, err := decodeEntry(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameValues(fr, got); err != nil {
		t.Fatal(err)
	}
	if hdr.Rows != 2 || hdr.JobID != "job-1" || time.Duration(hdr.DurationNs) != 3*time.Second {
		t.Fatalf("header %+v", hdr)
	}
	for i := range len(b) {
		if _, _, err := decodeEntry(b[:i]); err == nil {
			t.Fatalf("a truncated entry (%d of %d bytes) decoded", i, len(b))
		}
	}
}

func ptr[T any](v T) *T { return &v }

func emptyTable(t *testing.T) *frames.Table {
	t.Helper()
	return frames.NewTable([]frames.ColumnSpec{{Name: "v", Kind: frames.KindFloat64}}, frames.TableOptions{})
}

func engineStats() engine.QueryStats {
	return engine.QueryStats{Rows: 2, Duration: 3 * time.Second, JobID: "job-1"}
}
