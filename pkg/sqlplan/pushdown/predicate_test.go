package pushdown

import (
	"errors"
	"testing"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

func TestKeyParts(t *testing.T) {
	for _, c := range []struct {
		key  string
		want int // parts; 0 = error
	}{
		{"host", 1}, {"_x1", 1}, {"t.host", 2}, {"labels.app.name", 3}, {"größe", 1}, {"a$b", 1},
		{"", 0}, {"1host", 0}, {"a..b", 0}, {".a", 0}, {"a.", 0}, {"a b", 0}, {`a"b`, 0}, {"a`b", 0},
		{"a'b", 0}, {"a;b", 0}, {"a--", 0}, {"a/*", 0}, {"a\x00", 0}, {"$a", 0}, {"a(b)", 0}, {"\xff", 0},
	} {
		parts, err := KeyParts(c.key)
		switch {
		case c.want == 0 && err == nil:
			t.Errorf("KeyParts(%q) = %v, want an error", c.key, parts)
		case c.want == 0 && !errors.Is(err, ErrBadKey):
			t.Errorf("KeyParts(%q): error %v does not wrap ErrBadKey", c.key, err)
		case c.want > 0 && (err != nil || len(parts) != c.want):
			t.Errorf("KeyParts(%q) = %v, %v; want %d parts", c.key, parts, err, c.want)
		}
	}
}

func TestPredicate(t *testing.T) {
	pg := dialect.MustNew(dialect.Postgres, "")
	bq := dialect.MustNew(dialect.BigQuery, "")
	ch := dialect.MustNew(dialect.ClickHouse, "18.16.1")
	dk := dialect.MustNew(dialect.DuckDB, "")
	for _, c := range []struct {
		d       dialect.Dialect
		f       Filter
		numeric bool
		want    string
	}{
		{pg, Filter{Key: "h", Operator: "=", Value: "web-1"}, false, `c = 'web-1'`},
		{pg, Filter{Key: "h", Operator: "!=", Value: "x"}, false, `c <> 'x'`},
		{pg, Filter{Key: "h", Operator: "<", Value: "10"}, true, `c < 10`},
		{pg, Filter{Key: "h", Operator: "<", Value: "10"}, false, `c < '10'`},
		{pg, Filter{Key: "h", Operator: ">=", Value: "-2.5"}, true, `c >= (-2.5)`},
		{pg, Filter{Key: "h", Operator: "=", Value: "0x10"}, true, `c = '0x10'`},
		{pg, Filter{Key: "h", Operator: "=", Value: `it's \ok`}, false, `c = E'it''s \\ok'`},
		{pg, Filter{Key: "h", Operator: "=~", Value: "^a"}, false, `c ~ '^a'`},
		{pg, Filter{Key: "h", Operator: "!~", Value: "^a"}, false, `c !~ '^a'`},
		{dk, Filter{Key: "h", Operator: "=~", Value: "^a"}, false, `regexp_matches(c, '^a')`},
		{dk, Filter{Key: "h", Operator: "=", Value: `a\b'`}, false, `c = 'a\b'''`},
		{bq, Filter{Key: "h", Operator: "!~", Value: "^a"}, false, `NOT REGEXP_CONTAINS(c, '^a')`},
		{bq, Filter{Key: "h", Operator: "=", Value: "it's\n"}, false, `c = 'it\'s\n'`},
		{ch, Filter{Key: "h", Operator: "=~", Value: "^a"}, false, `match(c, '^a')`},
		{ch, Filter{Key: "h", Operator: "=", Value: "a\x00'"}, false, `c = 'a\0\''`},
		{pg, Filter{Key: "h", Operator: "=|", Values: []string{"a", "b"}}, false, `c IN ('a', 'b')`},
		{pg, Filter{Key: "h", Operator: "!=|", Values: []string{"1", "x"}}, true, `c NOT IN (1, 'x')`},
		{pg, Filter{Key: "h", Operator: "=|"}, false, `1 = 0`},
		{pg, Filter{Key: "h", Operator: "!=|"}, false, `1 = 1`},
		{pg, Filter{Key: "h", Operator: "=|", Value: "solo"}, false, `c IN ('solo')`},
	} {
		got, err := Predicate(c.d, "c", c.f, c.numeric)
		if err != nil || got != c.want {
			t.Errorf("%s %s %q %v: got %q, %v; want %q", c.d.Name(), c.f.Operator, c.f.Value, c.f.Values, got, err, c.want)
		}
	}
	if _, err := Predicate(pg, "c", Filter{Key: "h", Operator: "=", Value: "a\x00"}, false); !errors.Is(err, dialect.ErrNUL) {
		t.Errorf("NUL in a PostgreSQL value: got %v, want ErrNUL", err)
	}
	if _, err := Predicate(pg, "c", Filter{Key: "h", Operator: "LIKE", Value: "a"}, false); err == nil {
		t.Error("unknown operator: no error")
	}
}

func TestNumericType(t *testing.T) {
	for typ, want := range map[string]bool{
		"bigint": true, "integer": true, "double precision": true, "numeric(12,2)": true, "INT64": true,
		"FLOAT64": true, "NUMERIC": true, "Nullable(UInt64)": true, "LowCardinality(Nullable(Int32))": true,
		"Decimal(12, 2)": true, "HUGEINT": true, "text": false, "String": false, "TIMESTAMP": false,
		"DateTime('UTC')": false, "Array(Int64)": false, "jsonb": false, "": false,
	} {
		if NumericType(typ) != want {
			t.Errorf("NumericType(%q) = %v", typ, !want)
		}
	}
}

func TestCatalogLookup(t *testing.T) {
	cat := &catalog.Catalog{Tables: []catalog.Table{
		{Name: "sample.http_requests", Columns: []catalog.Column{{Name: "Host", Type: "text"}}},
		{Name: "`proj.ds.events_*`"},
	}}
	for name, want := range map[string]string{
		"sample.http_requests": "sample.http_requests", "HTTP_REQUESTS": "sample.http_requests",
		`"sample"."http_requests"`: "sample.http_requests", "db.sample.http_requests": "sample.http_requests",
		"ds.events_*": "`proj.ds.events_*`", "requests": "",
	} {
		got := lookupTable(cat, name)
		switch {
		case want == "" && got != nil:
			t.Errorf("lookupTable(%q) = %s, want none", name, got.Name)
		case want != "" && (got == nil || got.Name != want):
			t.Errorf("lookupTable(%q) = %v, want %s", name, got, want)
		}
		// The same answers as catalog.Lookup.
		ref, ok := cat.Lookup(name)
		if (got != nil) != ok || (ok && ref.Name != got.Name) {
			t.Errorf("lookupTable(%q) disagrees with catalog.Lookup", name)
		}
	}
	if c, ok := column(&cat.Tables[0], `"host"`); !ok || c.Name != "Host" {
		t.Errorf("column: got %v %v", c, ok)
	}
}
