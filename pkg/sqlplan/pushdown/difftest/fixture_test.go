package difftest_test

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// schema is where the fixture tables live on every engine (a PostgreSQL and
// DuckDB schema, a ClickHouse database, a BigQuery dataset).
const schema = "quarry_pushdown"

// column kinds of the fixture tables.
type kind uint8

const (
	kInt kind = iota
	kText
	kTime
)

type column struct {
	name string
	kind kind
}

type table struct {
	name string
	cols []column
	rows [][]string // literal values as text; times as "2024-01-01 01:00:00"
}

// fixtures are three small tables: a (facts), b (hosts per id, some ids
// twice, some missing, one id that a lacks) and c (one row per service).
var fixtures = []table{
	{name: "a", cols: []column{{"id", kInt}, {"ts", kTime}, {"svc", kText}, {"v", kInt}}, rows: [][]string{
		{"1", "2024-01-01 01:00:00", "api", "10"},
		{"2", "2024-01-01 02:00:00", "api", "20"},
		{"3", "2024-01-01 03:00:00", "web", "30"},
		{"4", "2024-01-01 04:00:00", "web", "40"},
		{"5", "2024-01-01 05:00:00", "batch", "50"},
		{"6", "2024-01-01 06:00:00", "api", "60"},
		{"7", "2024-01-01 07:00:00", "web", "70"},
		{"8", "2024-01-01 08:00:00", "batch", "80"},
	}},
	{name: "b", cols: []column{{"id", kInt}, {"ts", kTime}, {"host", kText}, {"svc", kText}, {"w", kInt}}, rows: [][]string{
		{"1", "2024-01-01 01:10:00", "web-1", "api", "1"},
		{"1", "2024-01-01 01:20:00", "web-2", "api", "2"},
		{"2", "2024-01-01 02:10:00", "web-2", "api", "3"},
		{"3", "2024-01-01 03:10:00", "web-1", "web", "4"},
		{"4", "2024-01-01 04:10:00", "db-1", "web", "5"},
		{"6", "2024-01-01 06:10:00", "web-1", "api", "6"},
		{"6", "2024-01-01 06:20:00", "web-1", "api", "7"},
		{"9", "2024-01-01 09:10:00", "web-1", "batch", "8"},
	}},
	{name: "c", cols: []column{{"svc", kText}, {"team", kText}, {"host", kText}}, rows: [][]string{
		{"api", "core", "web-1"},
		{"web", "front", "web-2"},
		{"batch", "data", "db-1"},
	}},
}

// typeName is the column type of kind k on dialect d.
func typeName(d sqlplan.Dialect, k kind) string {
	names := map[sqlplan.Dialect][3]string{
		sqlplan.Postgres:   {"integer", "text", "timestamp"},
		sqlplan.DuckDB:     {"INTEGER", "VARCHAR", "TIMESTAMP"},
		sqlplan.ClickHouse: {"Int32", "String", "DateTime"},
		sqlplan.BigQuery:   {"INT64", "STRING", "TIMESTAMP"},
	}
	return names[d][k]
}

// literal is value v of kind k as a literal of dialect d.
func literal(d sqlplan.Dialect, k kind, v string) string {
	switch k {
	case kInt:
		return v
	case kTime:
		switch d {
		case sqlplan.ClickHouse:
			return "toDateTime('" + v + "')"
		case sqlplan.BigQuery:
			// The emulator reads a zoneless TIMESTAMP literal in its
			// local zone; BigQuery reads it as UTC. Say UTC.
			return "TIMESTAMP '" + v + "+00'"
		}
		return "TIMESTAMP '" + v + "'"
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// createTable is the DDL of t on dialect d.
func createTable(d sqlplan.Dialect, t table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s.%s (", schema, t.name)
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.name, typeName(d, c.kind))
	}
	b.WriteString(")")
	if d == sqlplan.ClickHouse {
		b.WriteString(" ENGINE = Log")
	}
	return b.String()
}

// insertRows is the INSERT of t's rows on dialect d.
func insertRows(d sqlplan.Dialect, t table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s.%s VALUES ", schema, t.name)
	for i, r := range t.rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, v := range r {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(literal(d, t.cols[j].kind, v))
		}
		b.WriteString(")")
	}
	return b.String()
}

// fixtureCatalog describes the fixtures as the engine of d reports them.
func fixtureCatalog(d sqlplan.Dialect) *catalog.Catalog {
	c := &catalog.Catalog{}
	for _, t := range fixtures {
		ct := catalog.Table{Name: schema + "." + t.name}
		for _, col := range t.cols {
			ct.Columns = append(ct.Columns, catalog.Column{Name: col.name, Type: typeName(d, col.kind)})
		}
		c.Tables = append(c.Tables, ct)
	}
	return c
}

// insertSelect is t's rows as INSERT … SELECT … UNION ALL …: ClickHouse's
// native protocol takes inline VALUES only as a data block.
func insertSelect(d sqlplan.Dialect, t table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s.%s ", schema, t.name)
	for i, r := range t.rows {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT ")
		for j, v := range r {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(literal(d, t.cols[j].kind, v))
		}
	}
	return b.String()
}
