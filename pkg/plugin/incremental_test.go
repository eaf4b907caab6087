package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// incrAsk sends one query over [from, to] as user login (with the
// data source forwarding identities, the user is part of the key) and
// returns the frames and the incremental execution step.
func incrAsk(t *testing.T, ds *Datasource, model map[string]any, from, to time.Time, interval time.Duration, login string, alert bool) (data.Frames, string) {
	t.Helper()
	js, _ := json.Marshal(model)
	q := backend.DataQuery{RefID: "A", JSON: js, Interval: interval, MaxDataPoints: 1000, TimeRange: backend.TimeRange{From: from, To: to}}
	req := scoped("incr", 1, login, q)
	if alert {
		req.Headers = map[string]string{backend.FromAlertHeaderName: "true"}
	}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	dr := resp.Responses["A"]
	if dr.Error != nil {
		t.Fatalf("query failed: %v", dr.Error)
	}
	var exec string
	for _, s := range steps(dr.Frames) {
		if rest, ok := strings.CutPrefix(s, "incremental: "); ok && !strings.HasPrefix(rest, "safe: ") && !strings.HasPrefix(rest, "unsafe: ") {
			exec = rest
		}
	}
	return dr.Frames, exec
}

// TestIncrementalHazards walks the cases where reuse would be wrong, on the
// DuckDB sample, and checks the plan step of each.
func TestIncrementalHazards(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{"incremental": true, "cacheTTL": "0s", "oauthPassThru": true}, nil)
	buckets := map[string]any{"rawSql": "SELECT $__timeGroupAlias(ts, $__interval), count(*) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY time ORDER BY time", "format": "time_series"}
	from, to := dayFrom, dayTo
	steps := []struct {
		name           string
		shift          time.Duration
		interval       time.Duration
		login          string
		alert          bool
		want           string // prefix of the execution step
		queries        int64  // engine queries run
		sameAsFullFrom bool
	}{
		{name: "first refresh", want: "full query: no earlier answer", queries: 1},
		{name: "one minute later", shift: time.Minute, want: "queried 23:50–00:01, reused 1,429 buckets", queries: 1},
		{name: "half a minute later: a partial first bucket", shift: 30 * time.Second, want: "queried 00:01:30–00:02 and 23:51–00:01:30, reused 1,429 buckets", queries: 2},
		{name: "another user never reuses", shift: time.Minute, login: "bob", want: "full query: no earlier answer", queries: 1},
		{name: "another bucket size never reuses", shift: time.Minute, interval: 2 * time.Minute, want: "full query: no earlier answer", queries: 1},
		{name: "an alert runs in full", shift: time.Minute, alert: true, want: "full query: alert evaluations", queries: 1},
		{name: "back in time", shift: -5 * time.Minute, want: "full query: the range ends before the previous one", queries: 1},
		{name: "beyond the previous range", shift: 25 * time.Hour, want: "full query: the range does not overlap", queries: 1},
	}
	for _, st := range steps {
		from, to = from.Add(st.shift), to.Add(st.shift)
		iv := st.interval
		if iv == 0 {
			iv = time.Minute
		}
		login := st.login
		if login == "" {
			login = "alice"
		}
		before := ce.queries.Load()
		got, step := incrAsk(t, ds, buckets, from, to, iv, login, st.alert)
		if !strings.HasPrefix(step, st.want) {
			t.Fatalf("%s: step %q, want %q…", st.name, step, st.want)
		}
		if n := ce.queries.Load() - before; n != st.queries {
			t.Fatalf("%s: %d engine queries, want %d", st.name, n, st.queries)
		}
		// The answer is the full query's (an alert request runs in full).
		want, _ := incrAsk(t, ds, buckets, from, to, iv, login, true)
		if msg := sameFrames(want, got); msg != "" {
			t.Fatalf("%s: %s", st.name, msg)
		}
	}
}

// TestIncrementalRowCap: an answer the row cap cut is never kept; one under
// the cap is.
func TestIncrementalRowCap(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{"incremental": true, "cacheTTL": "0s", "incrementalOverlap": "0s"}, nil)
	raw := map[string]any{"rawSql": "SELECT ts AS time, status FROM sample.http_requests WHERE $__timeFilter(ts) ORDER BY ts, status", "format": "table", "maxRows": 1000}
	from, to := dayFrom, dayTo
	for i, want := range []string{"full query: no earlier answer", "full query: no earlier answer", "full query: no earlier answer"} {
		_, step := incrAsk(t, ds, raw, from, to, time.Minute, "alice", false)
		if !strings.HasPrefix(step, want) {
			t.Fatalf("refresh %d: step %q, want %q (a capped answer must not be kept)", i, step, want)
		}
		from, to = from.Add(time.Minute), to.Add(time.Minute)
	}
	// Under the cap, a narrow range is kept; its extension beyond the cap
	// runs in full.
	narrowFrom := dayFrom.Add(12*time.Hour + 500*time.Millisecond)
	var narrowTo time.Time
	for _, w := range []time.Duration{time.Minute, 10 * time.Second, time.Second, 100 * time.Millisecond} {
		narrowTo = narrowFrom.Add(w)
		first, _ := incrAsk(t, ds, raw, narrowFrom, narrowTo, time.Minute, "alice", false)
		if n := first[0].Rows(); n > 0 && n < 1000 {
			break
		} else if w == 100*time.Millisecond {
			t.Fatalf("no narrow range has 1-999 rows (last: %d)", n)
		}
	}
	// The uncapped answer was kept: the same width half a width later
	// reuses it.
	half := narrowTo.Sub(narrowFrom) / 2
	_, step := incrAsk(t, ds, raw, narrowFrom.Add(half), narrowTo.Add(half), time.Minute, "alice", false)
	if strings.HasPrefix(step, "full query: no earlier answer") {
		t.Fatalf("after an uncapped answer: step %q, want it reused", step)
	}
}

// TestIncrementalConcurrent: refreshes of one panel at several ranges at
// once all answer what the full query answers (run with -race in CI).
func TestIncrementalConcurrent(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{"incremental": true, "cacheTTL": "0s"}, nil)
	full, _ := openDuckDB(t, map[string]any{"cacheTTL": "0s"}, nil)
	model := map[string]any{"rawSql": "SELECT $__timeGroupAlias(ts, '1m'), status, count(*) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY time, status ORDER BY time, status", "format": "table"}
	incrAsk(t, ds, model, dayFrom, dayTo, time.Minute, "alice", false)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := time.Duration(i%5)*time.Minute + time.Duration(i)*1500*time.Millisecond
			got, _ := incrAsk(t, ds, model, dayFrom.Add(d), dayTo.Add(d), time.Minute, "alice", false)
			want, _ := incrAsk(t, full, model, dayFrom.Add(d), dayTo.Add(d), time.Minute, "alice", false)
			if msg := sameFrames(want, got); msg != "" {
				errs <- msg
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// TestIncrementalChunked: a chunked response runs in full, and its plan
// says so.
func TestIncrementalChunked(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{"incremental": true, "cacheTTL": "0s"}, nil)
	js, _ := json.Marshal(map[string]any{"rawSql": "SELECT $__timeGroupAlias(ts, '1m'), count(*) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY time ORDER BY time", "format": "table"})
	q, bad := ds.prepare(backend.DataQuery{RefID: "A", JSON: js, Interval: time.Minute, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: dayFrom, To: dayTo}}, false, CacheScope{})
	if bad != nil {
		t.Fatalf("prepare: %v", bad.Error)
	}
	res, err := ds.svc.RunChunked(context.Background(), q, nil, ChunkSink{Frame: func(string, Chunk) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Plan.Steps {
		if s.Kind == "incremental" {
			got = append(got, s.Detail)
		}
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "safe: ") || got[1] != "full query: chunked responses always run in full" {
		t.Fatalf("incremental steps %q", got)
	}
}
