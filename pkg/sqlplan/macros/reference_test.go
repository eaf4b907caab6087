package macros

import (
	"os"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// The example tables of REFERENCE.md are generated from the code, so the
// reference cannot drift: TestReference fails when they differ, and
// `go test ./pkg/sqlplan/macros -update` rewrites them.

const (
	refBegin = "<!-- BEGIN GENERATED EXAMPLES -->\n"
	refEnd   = "<!-- END GENERATED EXAMPLES -->\n"
)

type refVariant struct {
	title   string
	d       dialect.Name
	version string
}

var refVariants = []refVariant{
	{"PostgreSQL", dialect.Postgres, ""},
	{"BigQuery", dialect.BigQuery, ""},
	{"ClickHouse 24.x", dialect.ClickHouse, "24.3"},
	{"ClickHouse 18.16", dialect.ClickHouse, "18.16.1"},
	{"DuckDB", dialect.DuckDB, ""},
}

var refMacros = []string{
	"$__time(ts)", "$__timeEpoch(ts)", "$__timeFilter(ts)", "$__timeFrom()", "$__timeTo()", "$__timeFrom(ts)", "$__timeTo(ts)",
	"$__timeGroup(ts, '5m')", "$__timeGroup(ts, $__interval, 0)", "$__timeGroupAlias(ts, 1h)", "$__timeGroup(ts, '1d')",
	"$__unixEpochFilter(t_s)", "$__unixEpochFrom()", "$__unixEpochTo()", "$__unixEpochNanoFilter(t_ns)",
	"$__unixEpochNanoFrom()", "$__unixEpochNanoTo()", "$__unixEpochGroup(t_s, '5m')", "$__unixEpochGroupAlias(t_s, 1h)",
	"$__interval", "$__interval_ms", "$__interval_s", "$__from", "$__to", "${__from}", "${__from:date}", "${__from:date:iso}",
	"${__from:date:seconds}", "${__to:date:YYYY-MM-DD}", "$__range_s", "$__dateFilter(d)", "$__timezone", "$__adHocFilters",
	"$__timeFilter_ms(ts)", "$__dateTimeFilter(d, ts)", "$__dt(d, ts)", "$__fromTime", "$__toTime", "$__fromTime_ms", "$__toTime_ms",
	"$__timeInterval(ts)", "$__timeInterval_ms(ts)", "$__conditionalAll(host = 'a', $__all)", "$__conditionalAll(host = 'a', 'a')",
}

// typed examples: the same macro on columns of each kind.
var refTyped = []struct{ macro, note string }{
	{"$__timeFilter(t_instant)", "timestamptz / TIMESTAMP / DateTime"},
	{"$__timeFilter(t_wall)", "timestamp / DATETIME (UTC wall clock)"},
	{"$__timeFilter(t_dt64)", "ClickHouse DateTime64"},
	{"$__timeFilter(t_date)", "DATE"},
	{"$__timeFilter(t_ms)", "epoch milliseconds"},
	{"$__time(t_ms)", "epoch milliseconds"},
	{"$__timeGroup(t_ms, '5m')", "epoch milliseconds"},
	{"$__timeGroup(t_wall, '1h')", "timestamp / DATETIME"},
	{"$__timeGroup(t_date, '1w')", "DATE, UTC"},
}

var refZoned = []string{"$__timeGroup(t_instant, '1d')", "$__timeGroup(t_instant, '1w')", "$__timeGroup(t_instant, '1M')", "$__timeGroup(t_instant, '3M')", "$__dateFilter(d)"}

func refExpand(t *testing.T, v refVariant, tz, src string) string {
	env, err := goldenEnv("dialect=" + string(v.d) + " version=" + v.version + " tz=" + tz)
	if err != nil {
		t.Fatal(err)
	}
	out := runCase(env, src)
	out = strings.TrimPrefix(out, "=> ")
	if i := strings.Index(out, "\n~"); i >= 0 {
		out = out[:i]
	}
	if strings.HasPrefix(out, "=! ") {
		out = "error: " + strings.TrimPrefix(out, "=! ")
		if j := strings.IndexByte(out, ' '); j >= 0 && strings.HasPrefix(out, "error: @") {
			out = "error:" + out[strings.IndexByte(out[7:], ' ')+7:]
		}
	}
	return "`" + strings.ReplaceAll(out, "|", `\|`) + "`"
}

func refTable(t *testing.T, tz string, rows []string, notes []string) string {
	var b strings.Builder
	b.WriteString("| Macro |")
	for _, v := range refVariants {
		b.WriteString(" " + v.title + " |")
	}
	b.WriteString("\n|---|")
	for range refVariants {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, m := range rows {
		b.WriteString("| `" + m + "`")
		if notes != nil {
			b.WriteString(" (" + notes[i] + ")")
		}
		b.WriteString(" |")
		for _, v := range refVariants {
			b.WriteString(" " + refExpand(t, v, tz, m) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func generatedReference(t *testing.T) string {
	var b strings.Builder
	b.WriteString(refBegin)
	b.WriteString("\n### Every macro (column `ts` of unknown type, `t_s` epoch seconds, `t_ns` epoch nanoseconds, `d` a date column; zone UTC)\n\n")
	b.WriteString(refTable(t, "UTC", refMacros, nil))
	b.WriteString("\n### Type-aware expansions (the column's kind comes from the catalog or a hint; zone UTC)\n\n")
	var ms, notes []string
	for _, r := range refTyped {
		ms = append(ms, r.macro)
		notes = append(notes, r.note)
	}
	b.WriteString(refTable(t, "UTC", ms, notes))
	b.WriteString("\n### Time zone Europe/Berlin (calendar buckets and date bounds follow the zone)\n\n")
	b.WriteString(refTable(t, "Europe/Berlin", refZoned, nil))
	b.WriteString("\n" + refEnd)
	return b.String()
}

func TestReference(t *testing.T) {
	raw, err := os.ReadFile("REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, refBegin), strings.Index(doc, refEnd)
	if i < 0 || j < i {
		t.Fatal("REFERENCE.md lacks the generated-examples markers")
	}
	want := generatedReference(t)
	got := doc[i : j+len(refEnd)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("REFERENCE.md", []byte(doc[:i]+want+doc[j+len(refEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("REFERENCE.md examples are stale: run go test ./pkg/sqlplan/macros -update")
}

var _ = lexer.Lex[string]
