package sample

import (
	"fmt"
	"sort"
	"time"
)

// EmulatorFrom is where the BigQuery emulator's subset of http_requests
// begins: the emulator holds only its last 2 days, [EmulatorFrom, End).
// events, logs, deploys and the events_YYYYMMDD shards are complete there.
var EmulatorFrom = End.Add(-48 * time.Hour)

// Counts maps a table name to its number of rows.
type Counts map[string]int64

// Names returns the table names in sorted order.
func (c Counts) Names() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Counts returns the row count of every table as loaded into PostgreSQL,
// ClickHouse and DuckDB (the full sample). The counts are computed once per
// Generator; the caller must not modify the map.
func (g *Generator) Counts() Counts {
	g.countsOnce.Do(g.count)
	return g.counts
}

// EmulatorCounts returns the row count of every table loaded into the
// BigQuery emulator: the subset of http_requests (from EmulatorFrom), full
// events, logs and deploys, and one events_YYYYMMDD shard per day. The caller must not modify the map.
func (g *Generator) EmulatorCounts() Counts {
	g.countsOnce.Do(g.count)
	return g.emulator
}

// ShardName is the BigQuery date-sharded events table of day d (events_YYYYMMDD).
func ShardName(d time.Time) string {
	return fmt.Sprintf("%s_%s", TableEvents, d.UTC().Format("20060102"))
}

func (g *Generator) count() {
	c := Counts{TableHTTPRequests: 0, TableEvents: 0, TableLogs: 0, TableDeploys: 0}
	e := Counts{TableHTTPRequests: 0, TableEvents: 0, TableLogs: 0, TableDeploys: 0}
	for r := range g.HTTPRequests() {
		c[TableHTTPRequests]++
		if !r.TS.Before(EmulatorFrom) {
			e[TableHTTPRequests]++
		}
	}
	for ev := range g.Events() {
		c[TableEvents]++
		e[TableEvents]++
		e[ShardName(ev.EventDate)]++
	}
	for range g.Logs() {
		c[TableLogs]++
		e[TableLogs]++
	}
	for range g.Deploys() {
		c[TableDeploys]++
		e[TableDeploys]++
	}
	g.counts, g.emulator = c, e
}
