package dialect

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"18.16.1", "18.16.1"},
		{"24.3.1.2672", "24.3.1.2672"},
		{"v24.3", "24.3"},
		{"15.4 (Debian 15.4-1.pgdg120+1)", "15.4"},
		{"PostgreSQL 15.18 on x86_64", "15.18"},
		{"", ""},
	} {
		v, err := ParseVersion(tc.in)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tc.in, err)
		}
		if v.String() != tc.want {
			t.Errorf("ParseVersion(%q) = %q, want %q", tc.in, v, tc.want)
		}
	}
	if _, err := ParseVersion("latest"); err == nil {
		t.Error("ParseVersion(latest): want an error")
	}
}

func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		version string
		c       Capability
		want    bool
	}{
		{"18.16.1", ToStartOfInterval, false},
		{"19.3.3", ToStartOfInterval, true},
		{"18.16.1", DateTime64, false},
		{"20.1.2", DateTime64, true},
		{"20.4.9", UnixTimestamp64, false},
		{"20.5.2", UnixTimestamp64, true},
		{"21.8", ExplainEstimate, false},
		{"21.9", ExplainEstimate, true},
		{"24.3.1.2672", SubSecondIntervals, true},
		{"", ToStartOfInterval, true},
	} {
		d := MustNew(ClickHouse, tc.version)
		if got := d.Has(tc.c); got != tc.want {
			t.Errorf("clickhouse@%s Has(%s) = %v, want %v", tc.version, tc.c, got, tc.want)
		}
	}
	if !MustNew(Postgres, "9.6").Has(ToStartOfInterval) {
		t.Error("non-ClickHouse dialects have every capability")
	}
	if _, err := New("mysql", ""); err == nil {
		t.Error("New(mysql): want an error")
	}
}

func TestQuoteIdent(t *testing.T) {
	for _, tc := range []struct {
		d    Name
		in   string
		want string
	}{
		{Postgres, "host", `"host"`},
		{Postgres, `we"ird`, `"we""ird"`},
		{DuckDB, `a"b`, `"a""b"`},
		{BigQuery, "host", "`host`"},
		{BigQuery, "a`b\\c", "`a\\`b\\\\c`"},
		{ClickHouse, "a`b", "`a\\`b`"},
		{ClickHouse, "x\ny", "`x\\ny`"},
	} {
		if got := MustNew(tc.d, "").QuoteIdent(tc.in); got != tc.want {
			t.Errorf("%s QuoteIdent(%q) = %s, want %s", tc.d, tc.in, got, tc.want)
		}
	}
}

func TestQuotePath(t *testing.T) {
	got, err := MustNew(BigQuery, "").QuotePath("labels.app")
	if err != nil || got != "`labels`.`app`" {
		t.Errorf("QuotePath = %s, %v", got, err)
	}
	got, err = MustNew(Postgres, "").QuotePath(`t."x`)
	if err != nil || got != `"t"."""x"` {
		t.Errorf("QuotePath = %s, %v", got, err)
	}
	for _, bad := range []string{"", "a..b", "a.", ".a", "a\x00b", "\xff"} {
		if _, err := MustNew(Postgres, "").QuotePath(bad); err == nil {
			t.Errorf("QuotePath(%q): want an error", bad)
		}
	}
}

func TestQuoteString(t *testing.T) {
	for _, tc := range []struct {
		d    Name
		in   string
		want string
		err  error
	}{
		{BigQuery, "it's", `'it\'s'`, nil},
		{BigQuery, `a\b`, `'a\\b'`, nil},
		{BigQuery, "l1\nl2\r\t", `'l1\nl2\r\t'`, nil},
		{BigQuery, "nul\x00bell\x07", `'nul\x00bell\x07'`, nil},
		{BigQuery, "ünï ✓", `'ünï ✓'`, nil},
		{BigQuery, "\xff", "", ErrInvalidUTF8},
		{Postgres, "it's", `'it''s'`, nil},
		{Postgres, `a\b'c`, `E'a\\b''c'`, nil},
		{Postgres, "line\nbreak", "'line\nbreak'", nil},
		{Postgres, "nul\x00", "", ErrNUL},
		{Postgres, "\xfe", "", ErrInvalidUTF8},
		{DuckDB, `a\b'c`, `'a\b''c'`, nil},
		{DuckDB, "x\x00", "", ErrNUL},
		{ClickHouse, `it's \ ok`, `'it\'s \\ ok'`, nil},
		{ClickHouse, "nul\x00\x01\n", `'nul\0\x01\n'`, nil},
		{ClickHouse, "\xff", "'\xff'", nil},
		{ClickHouse, "'; DROP TABLE x; --", `'\'; DROP TABLE x; --'`, nil},
	} {
		got, err := MustNew(tc.d, "").QuoteString(tc.in)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%s QuoteString(%q) = %s, %v; want %s, %v", tc.d, tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestNumberLiteral(t *testing.T) {
	d := MustNew(Postgres, "")
	for in, want := range map[string]string{"42": "42", "-1.5": "(-1.5)", "+3": "3", "1e3": "1e3", ".5": ".5"} {
		if got, ok := d.NumberLiteral(in); !ok || got != want {
			t.Errorf("NumberLiteral(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0x1F", "inf", "NaN", "1_000", "1 ", "1;", "--1", "e5", "-"} {
		if got, ok := d.NumberLiteral(bad); ok {
			t.Errorf("NumberLiteral(%q) = %q, want rejection", bad, got)
		}
	}
}

func TestRegexAndIn(t *testing.T) {
	for _, tc := range []struct {
		d    Name
		not  bool
		want string
	}{
		{Postgres, false, "c ~ 'a.*'"},
		{Postgres, true, "c !~ 'a.*'"},
		{DuckDB, false, "regexp_matches(c, 'a.*')"},
		{DuckDB, true, "NOT regexp_matches(c, 'a.*')"},
		{BigQuery, false, "REGEXP_CONTAINS(c, 'a.*')"},
		{ClickHouse, true, "NOT match(c, 'a.*')"},
	} {
		if got := MustNew(tc.d, "").RegexMatch("c", "'a.*'", tc.not); got != tc.want {
			t.Errorf("%s RegexMatch = %s, want %s", tc.d, got, tc.want)
		}
	}
	d := MustNew(ClickHouse, "")
	if got := d.InList("c", []string{"'a'", "'b'"}, false); got != "c IN ('a', 'b')" {
		t.Errorf("InList = %s", got)
	}
	if got := d.InList("c", nil, true); got != "1 = 1" {
		t.Errorf("InList empty NOT = %s", got)
	}
}

func TestTypeKind(t *testing.T) {
	for _, tc := range []struct {
		d    Name
		typ  string
		want TimeKind
	}{
		{Postgres, "timestamp with time zone", Instant},
		{Postgres, "timestamptz", Instant},
		{Postgres, "TIMESTAMP(3) WITH TIME ZONE", Instant},
		{Postgres, "timestamp without time zone", Wall},
		{Postgres, "date", Date},
		{Postgres, "bigint", Unknown},
		{ClickHouse, "DateTime", Instant},
		{ClickHouse, "DateTime('UTC')", Instant},
		{ClickHouse, "DateTime64(3)", Instant64},
		{ClickHouse, "DateTime64(6, 'UTC')", Instant64},
		{ClickHouse, "Nullable(Date)", Date},
		{ClickHouse, "LowCardinality(Nullable(DateTime))", Instant},
		{ClickHouse, "Date32", Date},
		{ClickHouse, "UInt32", Unknown},
		{BigQuery, "TIMESTAMP", Instant},
		{BigQuery, "DATETIME", Wall},
		{BigQuery, "DATE", Date},
		{BigQuery, "INT64", Unknown},
		{DuckDB, "TIMESTAMP WITH TIME ZONE", Instant},
		{DuckDB, "TIMESTAMPTZ", Instant},
		{DuckDB, "TIMESTAMP", Wall},
		{DuckDB, "TIMESTAMP_MS", Wall},
		{DuckDB, "DATE", Date},
	} {
		got, ok := MustNew(tc.d, "").TypeKind(tc.typ)
		if got != tc.want || ok != (tc.want != Unknown) {
			t.Errorf("%s TypeKind(%q) = %s, %v; want %s", tc.d, tc.typ, got, ok, tc.want)
		}
	}
}

func TestColumnKindHints(t *testing.T) {
	pg := MustNew(Postgres, "")
	ch := MustNew(ClickHouse, "")
	for _, tc := range []struct {
		d    Dialect
		col  catalog.Column
		want TimeKind
	}{
		{pg, catalog.Column{Type: "bigint", Hint: "epoch_ms"}, EpochMillis},
		{pg, catalog.Column{Type: "bigint", Hint: "epoch_s"}, EpochSeconds},
		{pg, catalog.Column{Type: "bigint", Hint: "epoch_us"}, EpochMicros},
		{pg, catalog.Column{Type: "bigint", Hint: "EPOCH_NS"}, EpochNanos},
		{pg, catalog.Column{Type: "text", Hint: "date"}, Date},
		{pg, catalog.Column{Type: "text", Hint: "datetime"}, Wall},
		{pg, catalog.Column{Type: "timestamp", Hint: "timestamptz"}, Instant},
		{ch, catalog.Column{Type: "String", Hint: "datetime"}, Instant},
		{pg, catalog.Column{Type: "timestamptz"}, Instant},
	} {
		if got, _ := tc.d.ColumnKind(tc.col); got != tc.want {
			t.Errorf("%s ColumnKind(%+v) = %s, want %s", tc.d, tc.col, got, tc.want)
		}
	}
}

func TestTimeLiterals(t *testing.T) {
	ts := time.Date(2024, 1, 1, 12, 30, 0, 0, time.UTC)
	ms := ts.Add(123 * time.Millisecond)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got, want string
	}{
		{MustNew(Postgres, "").InstantLiteral(ts), "'2024-01-01T12:30:00Z'::timestamptz"},
		{MustNew(BigQuery, "").InstantLiteral(ms), "TIMESTAMP '2024-01-01 12:30:00.123+00'"},
		{MustNew(DuckDB, "").InstantLiteral(ts), "TIMESTAMPTZ '2024-01-01 12:30:00+00'"},
		{MustNew(ClickHouse, "").InstantLiteral(ts), "toDateTime(1704112200)"},
		{MustNew(ClickHouse, "").InstantLiteral(ms), "toDateTime64('2024-01-01 12:30:00.123', 3, 'UTC')"},
		{MustNew(ClickHouse, "18.16.1").InstantLiteral(ms), "toDateTime(1704112200)"},
		{MustNew(BigQuery, "").WallLiteral(ts), "DATETIME '2024-01-01 12:30:00'"},
		{MustNew(Postgres, "").WallLiteral(ts.In(berlin)), "TIMESTAMP '2024-01-01 13:30:00'"},
		{MustNew(ClickHouse, "").WallLiteral(ts), "toDateTime('2024-01-01 12:30:00', 'UTC')"},
		{MustNew(ClickHouse, "").DateLiteral(ts), "toDate('2024-01-01')"},
		{MustNew(DuckDB, "").DateLiteral(ts.Add(11 * time.Hour).In(berlin)), "DATE '2024-01-02'"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

// TestHotPathsDoNotAllocate: ParseVersion and TypeKind run on every plan.
func TestHotPathsDoNotAllocate(t *testing.T) {
	pg, bq, ch := MustNew(Postgres, ""), MustNew(BigQuery, ""), MustNew(ClickHouse, "18.16.1")
	n := testing.AllocsPerRun(100, func() {
		_, _ = ParseVersion("24.3.1.2672")
		_, _ = pg.TypeKind("timestamp(3)  WITH time zone")
		_, _ = bq.TypeKind("TIMESTAMP")
		_, _ = ch.TypeKind("Nullable(DateTime64(3, 'UTC'))")
		_ = ch.Has(DateTime64)
	})
	if n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

// TestTypeKindNormalisation: the allocation-free normalisation agrees with
// the general one.
func TestTypeKindNormalisation(t *testing.T) {
	for _, d := range []Dialect{MustNew(Postgres, ""), MustNew(BigQuery, "")} {
		for _, s := range []string{
			"timestamp(3)  WITH time zone", "timestamp (3) with time zone", "TIMESTAMP", " date ", "timestamp_ms",
			"timestamptz(6)", "timestamp(3)with time zone", "ti mestamp", "timestamp\u00a0with time zone",
			"x(timestamp)", "DateTime", "timestamp(", "timestamp)", "\tTIMESTAMP\n(6)\n", "(3)timestamp", "bigint", "",
		} {
			k, ok := d.TypeKind(s)
			wk, wok := d.namedKind(slowNormType(strings.TrimSpace(s)))
			if k != wk || ok != wok {
				t.Errorf("%s TypeKind(%q) = %v, %v; general path gives %v, %v", d, s, k, ok, wk, wok)
			}
		}
	}
}

// TestWallText: the direct formatting agrees with time.Format.
func TestWallText(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1999, 2, 3, 4, 5, 6, 120_000_000, time.UTC),
		time.Date(2024, 1, 1, 0, 0, 0, 500, time.UTC),
		time.Date(7, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 3000, time.UTC),
		time.Date(2024, 6, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)),
	} {
		want := tm.Format("2006-01-02 15:04:05")
		if tm.Nanosecond() != 0 {
			want = tm.Format("2006-01-02 15:04:05.999999")
		}
		if got := string(appendWallText(nil, tm)); got != want {
			t.Errorf("appendWallText(%v) = %q, want %q", tm, got, want)
		}
	}
}
