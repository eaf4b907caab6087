// Package oracletest holds the planner's corpus and the integration tests
// that run every rewritten corpus query on its real engine (PostgreSQL,
// ClickHouse, the BigQuery emulator, DuckDB) - the engines are the oracles
// of the planner's output. The non-test code here loads the corpus so the
// planner's unit tests and benchmarks share it.
package oracletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// Query is one corpus query: a realistic dashboard query and the request
// it is planned with.
type Query struct {
	// Name is the section name without ".sql" (e.g. "pg001-requests-per-service").
	Name    string
	Dialect sqlplan.Dialect
	// Request is the full request: corpus defaults, the dialect's catalog and
	// the query's own overrides.
	Request sqlplan.Request
}

// Dialects lists the corpus files, one per dialect.
var Dialects = []sqlplan.Dialect{sqlplan.Postgres, sqlplan.ClickHouse, sqlplan.BigQuery, sqlplan.DuckDB}

// DefaultRequest is the request a corpus query of dialect d is planned with
// before its overrides: a 6 hour range inside the sample window (inside the
// BigQuery emulator's two-day subset for BigQuery), a 1 minute interval,
// ClickHouse 18.16.1 and the dialect's sample catalog.
func DefaultRequest(d sqlplan.Dialect, cat *catalog.Catalog) sqlplan.Request {
	from := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	if d == sqlplan.BigQuery {
		from = time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)
	}
	r := sqlplan.Request{
		Dialect:       d,
		Format:        sqlplan.FormatTimeSeries,
		TimeRange:     sqlplan.TimeRange{From: from, To: from.Add(6 * time.Hour)},
		IntervalMs:    60000,
		MaxDataPoints: 1000,
		Timezone:      "UTC",
		Catalog:       cat,
	}
	if d == sqlplan.ClickHouse {
		r.ServerVersion = "18.16.1"
	}
	return r
}

// LoadCatalog reads testdata/catalog/<dialect>.json under dir (the
// pkg/sqlplan/testdata directory).
func LoadCatalog(dir string, d sqlplan.Dialect) (*catalog.Catalog, error) {
	b, err := os.ReadFile(filepath.Join(dir, "catalog", string(d)+".json"))
	if err != nil {
		return nil, fmt.Errorf("corpus catalog: %w", err)
	}
	var c catalog.Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("corpus catalog %s: %w", d, err)
	}
	return &c, nil
}

// overrides are the fields a corpus query may set in its NAME.json section.
type overrides struct {
	Format   *sqlplan.Format  `json:"format"`
	Timezone *string          `json:"timezone"`
	MaxRows  *int64           `json:"maxRows"`
	Filters  []sqlplan.Filter `json:"filters"`
	// Altinity is the Altinity plugin's query model (for its macros).
	Altinity *stmtmacro.Altinity `json:"altinity"`
}

// LoadCorpus reads testdata/corpus/<dialect>.txtar under dir (the
// pkg/sqlplan/testdata directory) for every dialect, in file order.
func LoadCorpus(dir string) ([]Query, error) {
	var out []Query
	for _, d := range Dialects {
		qs, err := LoadDialect(dir, d)
		if err != nil {
			return nil, err
		}
		out = append(out, qs...)
	}
	return out, nil
}

// LoadDialect reads one dialect's corpus file.
func LoadDialect(dir string, d sqlplan.Dialect) ([]Query, error) {
	cat, err := LoadCatalog(dir, d)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "corpus", string(d)+".txtar")
	ar, err := txtar.ParseFile(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	over := map[string][]byte{}
	var names []string
	seen := map[string]bool{}
	sqls := map[string]string{}
	for _, f := range ar.Files {
		switch {
		case strings.HasSuffix(f.Name, ".sql"):
			n := strings.TrimSuffix(f.Name, ".sql")
			if seen[n] {
				return nil, fmt.Errorf("corpus %s: duplicate query %q", path, n)
			}
			seen[n] = true
			names = append(names, n)
			// txtar ends every file with a newline; the query is the text
			// as written, without that final newline.
			sqls[n] = strings.TrimSuffix(string(f.Data), "\n")
		case strings.HasSuffix(f.Name, ".json"):
			over[strings.TrimSuffix(f.Name, ".json")] = f.Data
		default:
			return nil, fmt.Errorf("corpus %s: section %q is neither .sql nor .json", path, f.Name)
		}
	}
	for n := range over {
		if !seen[n] {
			return nil, fmt.Errorf("corpus %s: overrides %q have no query", path, n)
		}
	}
	out := make([]Query, 0, len(names))
	for _, n := range names {
		req := DefaultRequest(d, cat)
		req.RawSQL = sqls[n]
		if b, ok := over[n]; ok {
			var o overrides
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&o); err != nil {
				return nil, fmt.Errorf("corpus %s: overrides of %s: %w", path, n, err)
			}
			if o.Format != nil {
				req.Format = *o.Format
			}
			if o.Timezone != nil {
				req.Timezone = *o.Timezone
			}
			if o.MaxRows != nil {
				req.MaxRows = *o.MaxRows
			}
			req.Filters = o.Filters
			if o.Altinity != nil {
				req.Altinity = *o.Altinity
			}
		}
		out = append(out, Query{Name: n, Dialect: d, Request: req})
	}
	return out, nil
}

// Names returns the sorted query names (for diagnostics).
func Names(qs []Query) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Name
	}
	sort.Strings(out)
	return out
}

// ParserText is the query's text after its statement and Altinity macros:
// the text the planner's parser reads (statement macros expand before
// parsing).
func (q Query) ParserText() (string, error) {
	r := q.Request
	res, err := stmtmacro.Expand(r.RawSQL, stmtmacro.Options{Dialect: string(r.Dialect), ServerVersion: r.ServerVersion,
		From: r.TimeRange.From, To: r.TimeRange.To, IntervalMs: r.IntervalMs, MaxDataPoints: r.MaxDataPoints, Altinity: r.Altinity})
	if err != nil {
		return "", fmt.Errorf("%s: statement macros: %w", q.Name, err)
	}
	return res.SQL, nil
}
