package oracletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/txtar"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// The real-dashboard corpus: queries copied from public Grafana dashboards,
// kept apart from the synthetic corpus over the shared sample. Each file
// testdata/realworld/<source>.txtar holds the queries of one public source;
// its comment is a header of "key: value" lines:
//
//	source:  the repository (and paths) or issue URL the queries come from (required)
//	licence: the source's licence (required)
//	dialect: postgres, clickhouse, bigquery or duckdb (required)
//	fixture: the fixture the queries run against: testdata/realworld/fixtures/<fixture>.sql
//	         ("" when they read only the engine's own system tables)
//	request: JSON merged over the corpus default request (variables, format, Altinity query model, ...)
//
// Each NAME.sql section is one query, as the dashboard has it, after a first
// comment line naming the dashboard file and the panel. An optional NAME.json
// section holds request fields for that query only, plus "engine": "chdb" for
// a query that needs a ClickHouse newer than 18.16 (the chDB runner runs it;
// the 18.16 oracle does not).

// EngineCHDB marks a real-world query that needs a modern ClickHouse (chDB).
const EngineCHDB = "chdb"

// RealQuery is one query copied from a public dashboard.
type RealQuery struct {
	Query
	// Source is the corpus file's base name ("teslamate").
	Source string
	// Fixture names testdata/realworld/fixtures/<Fixture>.sql ("" for none).
	Fixture string
	// Engine is "" (the dialect's oracle engine) or EngineCHDB.
	Engine string
}

// RealSource is one file's header.
type RealSource struct {
	Name    string
	Origin  string // the "source:" line
	Licence string
	Dialect sqlplan.Dialect
	Fixture string
}

// realOverrides is a NAME.json section: request fields and the engine mark.
type realOverrides struct {
	sqlplan.Request
	Engine string `json:"engine"`
}

// LoadRealWorld reads every testdata/realworld/*.txtar under dir (the
// pkg/sqlplan/testdata directory), files in name order, queries in file
// order.
func LoadRealWorld(dir string) ([]RealSource, []RealQuery, error) {
	files, err := filepath.Glob(filepath.Join(dir, "realworld", "*.txtar"))
	if err != nil {
		return nil, nil, fmt.Errorf("real-world corpus: %w", err)
	}
	sort.Strings(files)
	var srcs []RealSource
	var out []RealQuery
	seen := map[string]string{}
	for _, path := range files {
		src, qs, err := loadRealFile(path)
		if err != nil {
			return nil, nil, err
		}
		for _, q := range qs {
			if other, dup := seen[q.Name]; dup {
				return nil, nil, fmt.Errorf("real-world corpus: query %q is in %s and %s", q.Name, other, src.Name)
			}
			seen[q.Name] = src.Name
		}
		srcs = append(srcs, src)
		out = append(out, qs...)
	}
	return srcs, out, nil
}

func loadRealFile(path string) (RealSource, []RealQuery, error) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		return RealSource{}, nil, fmt.Errorf("real-world corpus: %w", err)
	}
	src := RealSource{Name: strings.TrimSuffix(filepath.Base(path), ".txtar")}
	var reqJSON string
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "source":
			src.Origin = v
		case "licence":
			src.Licence = v
		case "dialect":
			src.Dialect = sqlplan.Dialect(v)
		case "fixture":
			src.Fixture = v
		case "request":
			reqJSON = v
		}
	}
	if src.Origin == "" || src.Licence == "" {
		return src, nil, fmt.Errorf("real-world corpus %s: the header must name its source and licence (\"source: ...\", \"licence: ...\")", path)
	}
	switch src.Dialect {
	case sqlplan.Postgres, sqlplan.ClickHouse, sqlplan.BigQuery, sqlplan.DuckDB:
	default:
		return src, nil, fmt.Errorf("real-world corpus %s: dialect %q is not one of postgres, clickhouse, bigquery, duckdb", path, src.Dialect)
	}
	base := DefaultRequest(src.Dialect, nil)
	if reqJSON != "" {
		if err := decodeStrict(reqJSON, &base); err != nil {
			return src, nil, fmt.Errorf("real-world corpus %s: header request: %w", path, err)
		}
	}
	over := map[string][]byte{}
	var names []string
	sqls := map[string]string{}
	for _, f := range ar.Files {
		switch {
		case strings.HasSuffix(f.Name, ".sql"):
			n := strings.TrimSuffix(f.Name, ".sql")
			if _, dup := sqls[n]; dup {
				return src, nil, fmt.Errorf("real-world corpus %s: duplicate query %q", path, n)
			}
			names = append(names, n)
			sqls[n] = strings.TrimSuffix(string(f.Data), "\n")
		case strings.HasSuffix(f.Name, ".json"):
			over[strings.TrimSuffix(f.Name, ".json")] = f.Data
		default:
			return src, nil, fmt.Errorf("real-world corpus %s: section %q is neither .sql nor .json", path, f.Name)
		}
	}
	for n := range over {
		if _, ok := sqls[n]; !ok {
			return src, nil, fmt.Errorf("real-world corpus %s: overrides %q have no query", path, n)
		}
	}
	out := make([]RealQuery, 0, len(names))
	for _, n := range names {
		if !strings.HasPrefix(sqls[n], "-- ") && !strings.HasPrefix(sqls[n], "/* ") {
			return src, nil, fmt.Errorf("real-world corpus %s: query %s must start with a comment naming its dashboard and panel", path, n)
		}
		o := realOverrides{Request: base}
		o.Variables = maps.Clone(base.Variables)
		if b, ok := over[n]; ok {
			if err := decodeStrict(string(b), &o); err != nil {
				return src, nil, fmt.Errorf("real-world corpus %s: overrides of %s: %w", path, n, err)
			}
		}
		if o.Engine != "" && o.Engine != EngineCHDB {
			return src, nil, fmt.Errorf("real-world corpus %s: %s: engine %q is not %q", path, n, o.Engine, EngineCHDB)
		}
		req := o.Request
		req.Dialect = src.Dialect
		req.RawSQL = sqls[n]
		out = append(out, RealQuery{Query: Query{Name: n, Dialect: src.Dialect, Request: req},
			Source: src.Name, Fixture: src.Fixture, Engine: o.Engine})
	}
	return src, out, nil
}

func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// RealWorldFixture returns the statements of testdata/realworld/fixtures/<name>.sql
// under dir, split at lines that end with ";" (the fixture files keep each
// statement's final ";" at a line end and use no ";" inside a line end
// otherwise).
func RealWorldFixture(dir, name string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "realworld", "fixtures", name+".sql"))
	if err != nil {
		return nil, fmt.Errorf("real-world fixture: %w", err)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if cur.Len() == 0 && (t == "" || strings.HasPrefix(t, "--")) {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, fmt.Errorf("real-world fixture %s: the last statement has no final ';'", name)
	}
	return out, nil
}
