// Package e2ebench measures query answers the way Grafana sees them: the
// built Quarry plugin and a minimal sqlds-style peer plugin (pkg/benchpeer)
// are launched over hashicorp go-plugin with Grafana's handshake
// (pkg/harness), and each answers the same query over gRPC QueryData, timed
// until the response bytes have arrived. The native driver's typed scan of
// the same rows, in this process, is the limit. Runs alternate between the
// contenders and medians are reported, with the peak RSS (VmHWM) of each
// plugin process and the per-query overhead of SELECT 1.
//
// TestE2E runs a short configuration in CI; scripts/bench-e2e.sh runs the
// full one (1,000,000 rows).
package e2ebench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/harness"
)

// Target is one engine as both plugins and the typed scan reach it.
type Target struct {
	// Engine names the target (postgres, clickhouse, duckdb).
	Engine string
	// SQL is the measured query; every contender runs the same text.
	SQL string
	// Quarry and Peer are the data sources' jsonData (and Quarry's
	// secureJsonData) for the two plugins.
	Quarry       map[string]any
	QuarrySecure map[string]string
	Peer         map[string]any
	PeerSecure   map[string]string
	// Scan runs SQL with the native driver, scanning every row into typed Go
	// variables, and returns the row count: the limit.
	Scan func(ctx context.Context) (int, error)
	// Close releases the scan's connection.
	Close func()
}

// Config is one benchmark run.
type Config struct {
	// Rows is the number of rows the query returns.
	Rows int
	// Runs is the number of timed runs of each contender.
	Runs int
	// Select1 is the number of timed SELECT 1 calls of each plugin.
	Select1 int
	// QuarryBin and PeerBin are the built plugin binaries.
	QuarryBin, PeerBin string
	// Logf receives progress lines (nil: none).
	Logf func(format string, args ...any)
}

// Contender is one plugin's figures.
type Contender struct {
	// First is the first query after the process started (same SQL).
	First time.Duration
	// Median is the median of the timed runs.
	Median time.Duration
	// Select1 is the median SELECT 1 round trip.
	Select1 time.Duration
	// RSSFirst is the process's peak RSS after the first query (one
	// query's peak), RSSPeak after every run.
	RSSFirst, RSSPeak int64
	// Payload is the response's frame bytes (Arrow IPC).
	Payload int
}

// Result is one engine's figures from one run.
type Result struct {
	Engine string
	Rows   int
	// Typed is the median of the typed driver scans.
	Typed  time.Duration
	Quarry Contender
	Peer   Contender
}

// Run measures one target.
func Run(ctx context.Context, cfg Config, t Target) (Result, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	res := Result{Engine: t.Engine, Rows: cfg.Rows}
	q, err := start(cfg.QuarryBin, t.Quarry, t.QuarrySecure)
	if err != nil {
		return res, err
	}
	defer q.Close()
	p, err := start(cfg.PeerBin, t.Peer, t.PeerSecure)
	if err != nil {
		return res, err
	}
	defer p.Close()

	// First query after start, checked for its row count.
	for _, c := range []struct {
		pl  *plugin
		out *Contender
	}{{q, &res.Quarry}, {p, &res.Peer}} {
		d, payload, err := c.pl.query(ctx, t.SQL, cfg.Rows)
		if err != nil {
			return res, fmt.Errorf("%s, first query: %w", c.pl.name, err)
		}
		c.out.First, c.out.Payload = d, payload
		if c.out.RSSFirst, err = vmHWM(c.pl.Pid()); err != nil {
			return res, err
		}
	}
	logf("%s: first query: quarry %v, peer %v", t.Engine, res.Quarry.First, res.Peer.First)

	// Alternating runs: the order rotates so that no contender always runs
	// right after another.
	var typed, quarry, peer []time.Duration
	steps := []func() error{
		func() error {
			st := time.Now()
			n, err := t.Scan(ctx)
			if err != nil {
				return fmt.Errorf("typed scan: %w", err)
			}
			if n != cfg.Rows {
				return fmt.Errorf("typed scan: %d rows, want %d", n, cfg.Rows)
			}
			typed = append(typed, time.Since(st))
			return nil
		},
		func() error {
			d, _, err := q.query(ctx, t.SQL, -1)
			quarry = append(quarry, d)
			return err
		},
		func() error {
			d, _, err := p.query(ctx, t.SQL, -1)
			peer = append(peer, d)
			return err
		},
	}
	for i := range cfg.Runs {
		for j := range steps {
			if err := steps[(i+j)%len(steps)](); err != nil {
				return res, fmt.Errorf("%s run %d: %w", t.Engine, i+1, err)
			}
		}
	}
	res.Typed, res.Quarry.Median, res.Peer.Median = median(typed), median(quarry), median(peer)
	logf("%s: medians of %d runs: typed %v, quarry %v, peer %v", t.Engine, cfg.Runs, res.Typed, res.Quarry.Median, res.Peer.Median)

	// SELECT 1 alternates too, and its order flips every call, so that each
	// plugin follows the other as often as it follows itself.
	var qs, ps []time.Duration
	type select1 struct {
		pl  *plugin
		out *[]time.Duration
	}
	orders := [2][2]select1{{{q, &qs}, {p, &ps}}, {{p, &ps}, {q, &qs}}}
	for i := range cfg.Select1 {
		for _, c := range orders[i%2] {
			d, _, err := c.pl.query(ctx, "SELECT 1", 1)
			if err != nil {
				return res, fmt.Errorf("%s, SELECT 1: %w", c.pl.name, err)
			}
			*c.out = append(*c.out, d)
		}
	}
	res.Quarry.Select1, res.Peer.Select1 = median(qs), median(ps)
	if res.Quarry.RSSPeak, err = vmHWM(q.Pid()); err != nil {
		return res, err
	}
	if res.Peer.RSSPeak, err = vmHWM(p.Pid()); err != nil {
		return res, err
	}
	return res, nil
}

// plugin is a started plugin with one configured data source.
type plugin struct {
	*harness.Plugin
	name string
	ds   harness.DataSource
}

func start(bin string, jsonData map[string]any, secure map[string]string) (*plugin, error) {
	hp, err := harness.Start(bin)
	if err != nil {
		return nil, err
	}
	name := bin[strings.LastIndexByte(bin, '/')+1:]
	return &plugin{Plugin: hp, name: name, ds: hp.NewDataSource("bench", jsonData, secure)}, nil
}

// query sends one QueryData call and times it until the reply has arrived.
// When wantRows >= 0 the reply's frames are decoded and their row count
// checked (outside the timed part).
func (p *plugin) query(ctx context.Context, sql string, wantRows int) (time.Duration, int, error) {
	st := time.Now()
	resp, err := p.QueryData(ctx, p.ds, nil, harness.Query{
		RefID: "A", JSON: map[string]any{"rawSql": sql, "format": "table"},
		From: time.Unix(0, 0), To: time.Now(), Interval: time.Second, MaxDataPoints: 1000,
	})
	d := time.Since(st)
	if err != nil {
		return d, 0, err
	}
	r := resp.Responses["A"]
	if r == nil {
		return d, 0, errors.New("no response for refId A")
	}
	if r.Error != "" {
		return d, 0, fmt.Errorf("query error: %s", r.Error)
	}
	payload := 0
	for _, f := range r.Frames {
		payload += len(f)
	}
	if wantRows >= 0 {
		if n, err := rowCount(r); err != nil {
			return d, payload, err
		} else if n != wantRows {
			return d, payload, fmt.Errorf("%d rows, want %d", n, wantRows)
		}
	}
	return d, payload, nil
}

func rowCount(r *pluginv2.DataResponse) (int, error) {
	fs, err := data.UnmarshalArrowFrames(r.Frames)
	if err != nil {
		return 0, fmt.Errorf("decoding the frames: %w", err)
	}
	n := 0
	for _, f := range fs {
		n += f.Rows()
	}
	return n, nil
}

// vmHWM reads the peak resident set size of a process, in bytes.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the plugin's peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Table formats results as the README's markdown table: times in ms and as
// ratios to the typed scan (throughput: typed ÷ contender) and to the peer
// (peer ÷ Quarry), peak RSS in MB, SELECT 1 in ms.
func Table(rs []Result) string {
	var b strings.Builder
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) }
	ms2 := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	mb := func(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 0, 64) }
	ratio := func(a, b time.Duration) string {
		if b == 0 {
			return "-"
		}
		return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64) + "×"
	}
	b.WriteString("| engine, rows | typed scan ms | peer ms | Quarry ms | Quarry vs typed | Quarry vs peer | peak RSS MB peer / Quarry (first query; all runs) | payload MB | first query ms peer / Quarry | SELECT 1 ms peer / Quarry |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s, %d | %s | %s | %s | %s | %s | %s / %s; %s / %s | %s | %s / %s | %s / %s |\n",
			r.Engine, r.Rows, ms(r.Typed), ms(r.Peer.Median), ms(r.Quarry.Median),
			ratio(r.Typed, r.Quarry.Median), ratio(r.Peer.Median, r.Quarry.Median),
			mb(r.Peer.RSSFirst), mb(r.Quarry.RSSFirst), mb(r.Peer.RSSPeak), mb(r.Quarry.RSSPeak),
			mb(int64(r.Quarry.Payload)), ms(r.Peer.First), ms(r.Quarry.First), ms2(r.Peer.Select1), ms2(r.Quarry.Select1))
	}
	return b.String()
}
