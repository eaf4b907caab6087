package reliability

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/harness"
)

// poolExhaustion sends more concurrent QueryData requests than the data
// source's pool has connections (2, see privateSources), each a query that
// holds its connection for a while. With the default queryTimeout every
// request queues for a connection and finishes. Then, with a queryTimeout
// shorter than the queue, at least the requests that cannot get a
// connection in time must fail with an error that says it timed out (the
// data source's timeout or the driver's pool acquire timeout), and the
// plugin answers the next query.
func poolExhaustion(t *testing.T, p *harness.Plugin, ds harness.DataSource, sleep func(secs string, marker string) string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := func(ds harness.DataSource, n int, secs string) []*pluginv2.DataResponse {
		out := make([]*pluginv2.DataResponse, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ref := fmt.Sprintf("P%d", i)
				resp, err := p.QueryData(ctx, ds, nil, tableQuery(ref, sleep(secs, fmt.Sprintf("rel-pool-%d", i)), nil))
				if err != nil {
					out[i] = &pluginv2.DataResponse{Error: "gRPC: " + err.Error()}
					return
				}
				out[i] = resp.Responses[ref]
			}()
		}
		wg.Wait()
		return out
	}

	// 6 requests of 1 s on 2 connections: all queue and finish.
	for i, r := range run(ds, 6, "1") {
		if r == nil {
			t.Fatalf("request %d: no response", i)
		}
		if n := mustRows(t, r); n != 1 {
			t.Errorf("request %d: %d rows, want 1", i, n)
		}
	}
	checkAlive(t, p)

	// 6 requests of 1.5 s on 2 connections under a 2 s queryTimeout: at most
	// two can finish within their timeout, so at least 4 time out.
	short := withTimeout(p, ds, "2s")
	ok, timedOut := 0, 0
	for i, r := range run(short, 6, "1.5") {
		switch {
		case r == nil:
			t.Fatalf("request %d: no response", i)
		case r.Error == "":
			ok++
		case strings.HasPrefix(r.Error, "gRPC:"):
			t.Errorf("request %d: the gRPC call failed: %s", i, r.Error)
		case strings.Contains(strings.ToLower(r.Error), "timeout") || strings.Contains(strings.ToLower(r.Error), "timed out"):
			timedOut++
			if r.ErrorSource != "downstream" {
				t.Errorf("request %d: errorSource = %q, want downstream (%s)", i, r.ErrorSource, r.Error)
			}
			t.Logf("request %d: %s", i, r.Error)
		default:
			t.Errorf("request %d: error %q does not say it timed out", i, r.Error)
		}
	}
	if timedOut < 4 {
		t.Errorf("%d of 6 requests timed out under a 2 s timeout on a 2-connection pool, want at least 4 (%d succeeded)", timedOut, ok)
	}
	t.Logf("under a 2 s timeout: %d finished, %d timed out", ok, timedOut)
	checkAlive(t, p)
	if n := mustRows(t, one(ctx, t, p, ds, tableQuery("AFTER", "SELECT 1 AS one", nil))); n != 1 {
		t.Errorf("after the exhaustion: %d rows, want 1", n)
	}
}

// TestPoolExhaustionPostgres: maxConns 2.
func TestPoolExhaustionPostgres(t *testing.T) {
	svc := private(t)
	p := startPlugin(t)
	pg, _, _ := privateSources(p, svc.Ports())
	poolExhaustion(t, p, pg, func(secs, marker string) string {
		return fmt.Sprintf("SELECT '%s' AS marker, pg_sleep(%s) IS NULL AS slept", marker, secs)
	})
}

// TestPoolExhaustionClickHouse: maxOpenConns 2.
func TestPoolExhaustionClickHouse(t *testing.T) {
	svc := private(t)
	p := startPlugin(t)
	_, ch, _ := privateSources(p, svc.Ports())
	poolExhaustion(t, p, ch, func(secs, marker string) string {
		return fmt.Sprintf("SELECT '%s' AS marker, sleep(%s) AS slept", marker, secs)
	})
}
