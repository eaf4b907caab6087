package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine"
)

func TestChunkRecorder(t *testing.T) {
	r := newChunkRecorder(1 << 10)
	r.add("0", []byte("first chunk"))
	r.add("0", []byte("second"))
	r.add("1", nil)
	entry, err := r.finish(headerOf(engine.QueryStats{Rows: 7, BytesProcessed: 99, JobID: "j"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	hdr, err := eachChunk(entry, func(id string, b []byte) error {
		got = append(got, id+":"+string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0:first chunk 0:second 1:]" || hdr.Rows != 7 || hdr.BytesProcessed != 99 || hdr.JobID != "j" {
		t.Fatalf("chunks %q, header %+v", got, hdr)
	}

	// Damaged or foreign entries are refused before any chunk is sent.
	for name, bad := range map[string][]byte{
		"truncated": entry[:len(entry)-3],
		"extra":     append(append([]byte{}, entry...), 0),
		"magic":     append([]byte("QRE1"), entry[4:]...),
		"oversize":  []byte("\x00quarry-oversize"),
	} {
		called := false
		if _, err := eachChunk(bad, func(string, []byte) error { called = true; return nil }); err == nil || called {
			t.Errorf("%s entry: err %v, fn called %v; want an error before any chunk", name, err, called)
		}
	}

	// Past the cap the recorder lets go of what it holds and records nothing.
	small := newChunkRecorder(64)
	small.add("0", bytes.Repeat([]byte("x"), 40))
	small.add("0", bytes.Repeat([]byte("y"), 40))
	if small.buf != nil || !small.over {
		t.Fatalf("over the cap: still holding %d bytes", len(small.buf))
	}
	small.add("0", []byte("z"))
	if _, err := small.finish(entryHeader{}); !errors.Is(err, shared.ErrTooLarge) || small.buf != nil {
		t.Fatalf("finish over the cap: %v, holding %d bytes", err, len(small.buf))
	}
}

// runChunkedRequest collects a chunked request's replies as the gRPC
// stream would send them.
func runChunkedRequest(t *testing.T, ds *Datasource, req *backend.QueryChunkedDataRequest, send func(*pluginv2.QueryChunkedDataResponse) error) ([]*pluginv2.QueryChunkedDataResponse, error) {
	t.Helper()
	var out []*pluginv2.QueryChunkedDataResponse
	w := newChunkWriter(req.Format, func(c *pluginv2.QueryChunkedDataResponse) error {
		if send != nil {
			if err := send(c); err != nil {
				return err
			}
		}
		out = append(out, c)
		return nil
	})
	err := ds.QueryChunkedData(context.Background(), req, w)
	return out, err
}

func chunkedRequest(uid string, org int64, login string, format backend.DataFrameFormat, q backend.DataQuery) *backend.QueryChunkedDataRequest {
	qd := scoped(uid, org, login, q)
	return &backend.QueryChunkedDataRequest{PluginContext: qd.PluginContext, Queries: qd.Queries, Format: format}
}

// TestChunkCacheDuckDB: in process, with the DataServer's writer: a second
// identical chunked request sends the stored bytes (the engine runs once,
// the cache metric says hit); another org, another user (per-user
// credentials) or a JSON-format request do not share it; a broken stream
// is the request's error and leaves nothing wrong behind.
func TestChunkCacheDuckDB(t *testing.T) {
	reg := prometheus.NewRegistry()
	ds, ce := openDuckDB(t, map[string]any{"cacheTTL": "60s", "chunkRows": 1000, "oauthPassThru": true}, reg)
	q := dataQuery("A", "", map[string]any{"rawSql": "SELECT ts, service, requests FROM sample.http_requests WHERE $__timeFilter(ts) ORDER BY ts, service", "format": "table"})
	arrow := backend.DataFrameFormat_ARROW
	first, err := runChunkedRequest(t, ds, chunkedRequest("ds-1", 1, "ann", arrow, q), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 2 {
		t.Fatalf("%d chunks, want several of 1000 rows", len(first))
	}
	second, err := runChunkedRequest(t, ds, chunkedRequest("ds-1", 1, "ann", arrow, q), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != len(first) {
		t.Fatalf("hit: %d chunks, want %d", len(second), len(first))
	}
	for i := range first {
		if !bytes.Equal(second[i].Frame, first[i].Frame) || second[i].FrameId != first[i].FrameId || second[i].RefId != "A" {
			t.Fatalf("hit: chunk %d differs", i)
		}
	}
	if n := ce.queries.Load(); n != 1 {
		t.Fatalf("the engine ran %d times for two identical chunked requests, want 1", n)
	}
	if hits := testutil.ToFloat64(ds.svc.deps.Metrics.cache.WithLabelValues("duckdb", "hit")); hits != 1 {
		t.Fatalf("cache hits %v, want 1", hits)
	}

	for _, other := range []*backend.QueryChunkedDataRequest{
		chunkedRequest("ds-1", 2, "ann", arrow, q),                        // another org
		chunkedRequest("ds-1", 1, "bob", arrow, q),                        // another user (oauthPassThru)
		chunkedRequest("ds-1", 1, "ann", backend.DataFrameFormat_JSON, q), // JSON: the SDK's writer, not cached
		chunkedRequest("ds-1", 1, "ann", backend.DataFrameFormat_JSON, q),
	} {
		before := ce.queries.Load()
		if _, err := runChunkedRequest(t, ds, other, nil); err != nil {
			t.Fatal(err)
		}
		if ce.queries.Load() != before+1 {
			t.Fatalf("org %d user %s format %d: served from another's entry", other.PluginContext.OrgID, other.PluginContext.User.Login, other.Format)
		}
	}

	// Grafana goes away after the first chunk: the request fails with the
	// stream's error; the next request gets the whole answer.
	q2 := dataQuery("B", "", map[string]any{"rawSql": "SELECT ts, host, requests FROM sample.http_requests WHERE $__timeFilter(ts) ORDER BY ts, host", "format": "table"})
	gone := errors.New("stream closed by the client")
	sent := 0
	if _, err := runChunkedRequest(t, ds, chunkedRequest("ds-1", 1, "ann", arrow, q2), func(*pluginv2.QueryChunkedDataResponse) error {
		if sent++; sent > 1 {
			return gone
		}
		return nil
	}); !errors.Is(err, gone) {
		t.Fatalf("broken stream: err %v, want the stream's", err)
	}
	whole, err := runChunkedRequest(t, ds, chunkedRequest("ds-1", 1, "ann", arrow, q2), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, c := range whole {
		if c.Error != "" {
			t.Fatalf("after a broken stream: %s", c.Error)
		}
		f := frameOf(t, c.Frame)
		rows += f.Rows()
	}
	if rows == 0 || len(whole) < 2 {
		t.Fatalf("after a broken stream: %d chunks, %d rows", len(whole), rows)
	}
}

func frameOf(t *testing.T, b []byte) *data.Frame {
	t.Helper()
	f, err := data.UnmarshalArrowFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
