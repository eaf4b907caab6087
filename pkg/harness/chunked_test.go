package harness_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/e2ebench"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// chunkedRows is the size of the chunked tests' fixture
// (quarry_e2e.rows_150000: ts, host, v, n with n = 1..150000).
const chunkedRows = 150_000

// chunkedCase is one engine's chunked-query checks.
type chunkedCase struct {
	target e2ebench.Target
	// errSQL fails after some rows have been sent; errText is in its error.
	errSQL, errText string
	// nullHost is the SQL of a host column that is NULL every 7th row.
	nullHost string
}

// chunkedDataSource is the target's data source with small chunks and
// extra settings.
func chunkedDataSource(p *harness.Plugin, tg e2ebench.Target, extra map[string]any) harness.DataSource {
	js := map[string]any{}
	for k, v := range tg.Quarry {
		js[k] = v
	}
	js["chunkRows"] = 40_000
	for k, v := range extra {
		js[k] = v
	}
	return p.NewDataSource("Quarry chunked "+tg.Engine, js, tg.QuarrySecure)
}

// chunkedAndWhole runs q with QueryChunkedData and with QueryData.
func chunkedAndWhole(t *testing.T, ctx context.Context, p *harness.Plugin, ds harness.DataSource, q harness.Query) (*harness.Chunked, []*pluginv2.QueryChunkedDataResponse, data.Frames) {
	t.Helper()
	chunks, err := p.QueryChunkedData(ctx, ds, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := harness.Assemble(chunks)
	if err != nil {
		t.Fatal(err)
	}
	r := got[q.RefID]
	if r == nil {
		t.Fatalf("no chunk for %s", q.RefID)
	}
	if r.Error != "" {
		t.Fatalf("chunked %s failed: %s", q.RefID, r.Error)
	}
	resp, err := p.QueryData(ctx, ds, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	return r, chunks, frames(t, resp, q.RefID)
}

// sameAnswer checks reassembled chunks against QueryData's frames: values,
// executed SQL and notices (the statistics differ by duration only).
func sameAnswer(t *testing.T, got, want data.Frames) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if err := framestest.EqualValues(got[i], want[i]); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		gm, wm := got[i].Meta, want[i].Meta
		if gm == nil || wm == nil {
			t.Fatalf("frame %d: meta %v, want %v", i, gm, wm)
		}
		if gm.ExecutedQueryString != wm.ExecutedQueryString || gm.Type != wm.Type {
			t.Fatalf("frame %d: meta %q %s, want %q %s", i, gm.ExecutedQueryString, gm.Type, wm.ExecutedQueryString, wm.Type)
		}
		if fmt.Sprint(gm.Notices) != fmt.Sprint(wm.Notices) {
			t.Fatalf("frame %d: notices %v, want %v", i, gm.Notices, wm.Notices)
		}
	}
}

// noticesPerChunk decodes each frame chunk of refID and returns its
// notices' texts joined.
func noticesPerChunk(t *testing.T, chunks []*pluginv2.QueryChunkedDataResponse, refID string) []string {
	t.Helper()
	var out []string
	for _, c := range chunks {
		if c.RefId != refID || len(c.Frame) == 0 {
			continue
		}
		f, err := data.UnmarshalArrowFrame(c.Frame)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				texts = append(texts, n.Text)
			}
		}
		out = append(out, strings.Join(texts, "; "))
	}
	return out
}

func runChunked(t *testing.T, cc chunkedCase) {
	p := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tg := cc.target
	ds := chunkedDataSource(p, tg, nil)
	table := e2ebench.Schema + fmt.Sprintf(".rows_%d", chunkedRows)
	at := func(refID, format, sql string, extra map[string]any) harness.Query {
		return query(refID, format, sql, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC), extra)
	}

	t.Run("table in several chunks equals QueryData", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT ts, %s AS host, v, n FROM %s ORDER BY n", cc.nullHost, table)
		got, _, want := chunkedAndWhole(t, ctx, p, ds, at("A", "table", sql, nil))
		if got.Chunks["0"] < 3 {
			t.Fatalf("%d chunks, want at least 3 for %d rows in chunks of 40000", got.Chunks["0"], chunkedRows)
		}
		if want[0].Rows() != chunkedRows {
			t.Fatalf("QueryData has %d rows, want %d", want[0].Rows(), chunkedRows)
		}
		sameAnswer(t, got.Frames, want)
	})

	for _, tc := range []struct{ name, format, sql string }{
		{"logs", "logs", fmt.Sprintf("SELECT ts, host AS body, n FROM %s WHERE n <= 90000 ORDER BY n", table)},
		{"long time series", "time_series_long", fmt.Sprintf("SELECT ts AS time, host, v FROM %s WHERE n <= 90000 ORDER BY ts", table)},
		{"wide time series, shaped after the last row", "time_series", fmt.Sprintf("SELECT ts AS time, v, n FROM %s WHERE n <= 100000 ORDER BY ts", table)},
		{"multi time series", "time_series_multi", fmt.Sprintf("SELECT ts AS time, %s AS host, v FROM %s WHERE n <= 200 ORDER BY ts", cc.nullHost, table)},
	} {
		t.Run(tc.name+" equals QueryData", func(t *testing.T) {
			got, _, want := chunkedAndWhole(t, ctx, p, ds, at("B", tc.format, tc.sql, nil))
			sameAnswer(t, got.Frames, want)
			if want[0].Rows() > 40_000 && got.Chunks["0"] < 2 {
				t.Fatalf("%d rows in %d chunk(s), want several", want[0].Rows(), got.Chunks["0"])
			}
		})
	}

	t.Run("row cap across chunks, notice on the last chunk", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT ts, host, v, n FROM %s ORDER BY n", table)
		got, chunks, want := chunkedAndWhole(t, ctx, p, ds, at("C", "table", sql, map[string]any{"maxRows": 100_000}))
		sameAnswer(t, got.Frames, want)
		if want[0].Rows() != 100_000 {
			t.Fatalf("%d rows, want the cap of 100000", want[0].Rows())
		}
		checkLastNotice(t, noticesPerChunk(t, chunks, "C"), "results truncated at 100000 rows")
	})

	t.Run("byte cap across chunks, notice on the last chunk", func(t *testing.T) {
		capped := chunkedDataSource(p, tg, map[string]any{"maxResultBytes": 3 << 20, "chunkBytes": 1 << 20})
		sql := fmt.Sprintf("SELECT ts, host, v, n FROM %s ORDER BY n", table)
		got, chunks, want := chunkedAndWhole(t, ctx, p, capped, at("D", "table", sql, nil))
		sameAnswer(t, got.Frames, want)
		if n := want[0].Rows(); n == 0 || n >= chunkedRows {
			t.Fatalf("%d rows: the byte cap did not cut", n)
		}
		checkLastNotice(t, noticesPerChunk(t, chunks, "D"), "result size limit of 3 MiB")
	})

	if cc.errSQL != "" {
		t.Run("error mid-stream names the refId after valid chunks", func(t *testing.T) {
			chunks, err := p.QueryChunkedData(ctx, ds, nil, at("E", "table", cc.errSQL, nil))
			if err != nil {
				t.Fatal(err)
			}
			got, err := harness.Assemble(chunks)
			if err != nil {
				t.Fatal(err)
			}
			r := got["E"]
			if r == nil || r.Error == "" {
				t.Fatalf("no error chunk for E: %+v", r)
			}
			if !strings.Contains(r.Error, "query E") || !strings.Contains(r.Error, cc.errText) || r.Status < 400 {
				t.Fatalf("error %q (status %d), want one naming query E and %q", r.Error, r.Status, cc.errText)
			}
			if r.FramesBeforeError == 0 || len(r.Frames) != 1 || r.Frames[0].Rows() == 0 {
				t.Fatalf("%d chunk(s) before the error: want the rows read before it, still valid", r.FramesBeforeError)
			}
			// The rows sent are rows of the result before the failing one.
			for i := 0; i < r.Frames[0].Rows(); i++ {
				if v, _ := r.Frames[0].Fields[0].ConcreteAt(i); fmt.Sprint(v) == "120000" {
					t.Fatalf("row %d holds the failing row", i)
				}
			}
			t.Logf("%d rows in %d chunk(s) before: %s", r.Frames[0].Rows(), r.FramesBeforeError, r.Error)
		})
	}
}

// checkLastNotice checks that only the last chunk carries the notice.
func checkLastNotice(t *testing.T, perChunk []string, notice string) {
	t.Helper()
	if len(perChunk) < 2 {
		t.Fatalf("%d chunk(s), want several", len(perChunk))
	}
	for i, n := range perChunk {
		last := i == len(perChunk)-1
		if strings.Contains(n, notice) != last {
			t.Fatalf("chunk %d of %d has notices %q; want %q on the last chunk only", i+1, len(perChunk), n, notice)
		}
	}
}

func TestChunkedPostgres(t *testing.T) {
	info := testenv.Postgres(t)
	tg, err := e2ebench.Postgres(context.Background(), info, chunkedRows)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	runChunked(t, chunkedCase{target: tg, nullHost: "CASE WHEN n % 7 = 0 THEN NULL ELSE host END",
		errSQL:  fmt.Sprintf("SELECT n, 1 / (n - 120000) AS x FROM %s.rows_%d", e2ebench.Schema, chunkedRows),
		errText: "division by zero"})
}

func TestChunkedClickHouse(t *testing.T) {
	info := testenv.ClickHouse(t)
	tg, err := e2ebench.ClickHouse(context.Background(), info, chunkedRows)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	runChunked(t, chunkedCase{target: tg, nullHost: "if(n % 7 = 0, NULL, host)",
		errSQL:  fmt.Sprintf("SELECT n, intDiv(1, n - 120000) AS x FROM %s.rows_%d", e2ebench.Schema, chunkedRows),
		errText: "Division by zero"})
}

func TestChunkedDuckDB(t *testing.T) {
	tg, err := e2ebench.DuckDB(context.Background(), filepath.Join(testenv.StateDir(), "e2ebench"), chunkedRows)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	runChunked(t, chunkedCase{target: tg, nullHost: "CASE WHEN n % 7 = 0 THEN NULL ELSE host END"})
}

// TestChunkedBigQuery runs chunked queries on the BigQuery emulator (REST
// pages): a table streamed in several chunks and a wide series, each equal
// to QueryData's answer.
func TestChunkedBigQuery(t *testing.T) {
	info := testenv.BigQuery(t)
	p := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ds := p.NewDataSource("Quarry chunked bigquery", map[string]any{"engine": "bigquery", "defaultProject": info.Project,
		"defaultDataset": info.Dataset, "endpoint": info.Endpoint, "chunkRows": 300, "cacheTTL": "0"}, nil)
	tbl := info.Dataset + ".http_requests"
	for _, tc := range []struct{ name, format, sql string }{
		{"table", "table", fmt.Sprintf("SELECT ts, service, requests FROM %s WHERE $__timeFilter(ts) ORDER BY ts, service", tbl)},
		{"wide", "time_series", fmt.Sprintf("SELECT $__timeGroupAlias(ts, '5m'), service, sum(requests) AS requests FROM %s WHERE $__timeFilter(ts) GROUP BY service, time ORDER BY time", tbl)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, want := chunkedAndWhole(t, ctx, p, ds, query("A", tc.format, tc.sql, winFrom, winTo, nil))
			sameAnswer(t, got.Frames, want)
			if want[0].Rows() > 300 && got.Chunks["0"] < 2 {
				t.Fatalf("%d rows in %d chunk(s), want several", want[0].Rows(), got.Chunks["0"])
			}
			t.Logf("%d rows in %d chunks", want[0].Rows(), got.Chunks["0"])
		})
	}
}
