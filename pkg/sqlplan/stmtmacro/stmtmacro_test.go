package stmtmacro_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

var from = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)

func request(sql, version string) sqlplan.Request {
	r := sqlplan.Request{Dialect: sqlplan.ClickHouse, ServerVersion: version, RawSQL: sql,
		TimeRange: sqlplan.TimeRange{From: from, To: from.Add(time.Hour)}, IntervalMs: 60000}
	r.Altinity = stmtmacro.Altinity{Table: "requests", DateTimeColDataType: "EventTime"}
	return r
}

// TestErrorsArePositioned: a bad macro argument is reported at its line and
// column of the original text.
func TestErrorsArePositioned(t *testing.T) {
	for _, c := range []struct {
		name, sql    string
		line, column int
		want         string
	}{
		{"arg count", "SELECT 1;\n", 0, 0, ""},
		{"columns one arg", "-- c\n$columns(OS) FROM $table", 2, 1, "takes 2 argument"},
		{"rate without alias", "$rate(\n  count()) FROM $table", 2, 3, "has no alias"},
		{"nested", "SELECT * FROM ($columns(OS, count() c) FROM $table)", 1, 16, "must start the query"},
		{"no FROM", "$columns(OS, count() c)\n  WHERE 1", 2, 3, "must be followed by FROM"},
		{"two", "$rate(count() c) FROM (SELECT 1) UNION ALL $delta(x) FROM t", 1, 44, "only one statement macro"},
		{"unclosed", "$perSecond(Requests FROM t", 1, 11, "never closed"},
		{"timeFilterByColumn", "SELECT 1 FROM t WHERE $timeFilterByColumn(a + b)", 1, 43, "takes one column name"},
		{"conditionalTest", "SELECT 1 FROM t WHERE 1 $conditionalTest(AND a)", 1, 25, "takes two arguments"},
		{"conditionalTest four", "SELECT 1 FROM t WHERE 1\n  $conditionalTest(AND a, AND b, AND c, 'x')", 2, 3, "or three"},
		{"parse error in the user's tail", "$columns(OS, count() c)\nFROM $table\nWHERE x IN (SELECT FROM)", 3, 24, "expected a table"},
		{"lttb on 18.16", "$lttb(100, EventTime, count() c) FROM $table", 1, 1, "lttb aggregate"},
		{"official group by", "$__columns(ts, k, v)\nFROM t\nGROUP BY k", 3, 1, "own GROUP BY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlplan.Build(context.Background(), request(c.sql, "18.16.1"))
			if c.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pe := sqlplan.AsError(err)
			if err == nil || pe.Line != c.line || pe.Column != c.column || !strings.Contains(pe.Message, c.want) {
				t.Fatalf("got %v (line %d, column %d), want %q at %d:%d", err, pe.Line, pe.Column, c.want, c.line, c.column)
			}
		})
	}
}

func TestMissingSettings(t *testing.T) {
	r := request("SELECT count() FROM $table WHERE $timeFilter", "18.16.1")
	r.Altinity.DateTimeColDataType = ""
	_, err := sqlplan.Build(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "dateTimeColDataType") || sqlplan.AsError(err).Column != 34 {
		t.Fatalf("got %v", err)
	}
}

// TestWindowFunctionsByVersion: servers from 21.9 get lagInFrame (as
// Altinity's PR #684 does), older ones runningDifference, and
// useWindowFuncForMacros=false keeps runningDifference on new servers.
func TestWindowFunctionsByVersion(t *testing.T) {
	no := false
	for _, c := range []struct {
		version string
		off     bool
		window  bool
	}{{"18.16.1", false, false}, {"21.8", false, false}, {"21.9", false, true}, {"24.8.4", false, true}, {"", false, true}, {"24.8", true, false}} {
		for _, sql := range []string{
			"$rate(count() c) FROM $table", "$perSecond(r) FROM $table", "$delta(r) FROM $table", "$increase(r) FROM $table",
			"$rateColumns(k, count() c) FROM $table", "$perSecondColumns(k, r) FROM $table", "$deltaColumns(k, r) FROM $table",
			"$increaseColumns(k, r) FROM $table", "$perSecondColumnsAggregated(k, s, sum, r) FROM $table",
			"$__rateColumns(ts, k, count() AS c) FROM t", "$__perSecondColumns(ts, k, r) FROM t", "$__increaseColumns(ts, k, r) FROM t",
		} {
			r := request(sql, c.version)
			if c.off {
				r.Altinity.UseWindowFuncForMacros = &no
			}
			p, err := sqlplan.Build(context.Background(), r)
			if err != nil {
				t.Fatalf("%s on %q: %v", sql, c.version, err)
			}
			if got := strings.Contains(p.SQL, "lagInFrame"); got != c.window || strings.Contains(p.SQL, "runningDifference") == c.window {
				t.Errorf("%s on %q (off=%v): window functions %v, want %v:\n%s", sql, c.version, c.off, got, c.window, p.SQL)
			}
		}
	}
}

// TestPlanStep: the plan shows the expansion as a statement_macro step over
// the macro's span of the original text, and later steps keep original spans.
func TestPlanStep(t *testing.T) {
	sql := "/* x */ $columns(OS, count() c) FROM $table"
	p, err := sqlplan.Build(context.Background(), request(sql, "18.16.1"))
	if err != nil {
		t.Fatal(err)
	}
	st := p.Steps[0]
	if st.Kind != "statement_macro" || st.Span.Start != 8 || st.Span.End != len(sql) || !strings.Contains(st.Detail, "groupArray((OS, c))") {
		t.Fatalf("first step %+v %+v", st, st.Span)
	}
	for _, s := range p.Steps {
		if s.Span != nil && (s.Span.Start < 0 || s.Span.End > len(sql)) {
			t.Errorf("step %+v has a span outside the original text", s)
		}
	}
	if !strings.HasPrefix(p.SQL, "/* x */ SELECT t, groupArray((OS, c)) AS groupArr FROM (SELECT (intDiv(toUInt32(EventTime), 60) * 60) * 1000 AS t") {
		t.Errorf("SQL %s", p.SQL)
	}
}

// TestOtherDialectsUntouched: Altinity macros are ClickHouse-only.
func TestOtherDialectsUntouched(t *testing.T) {
	res, err := stmtmacro.Expand("SELECT $table", stmtmacro.Options{Dialect: "postgres"})
	if err != nil || res.Changed {
		t.Fatalf("%v %v", res, err)
	}
	res, err = stmtmacro.Expand("SELECT $rate FROM t", stmtmacro.Options{Dialect: "clickhouse", From: from, To: from.Add(time.Hour)})
	if err != nil || res.Changed {
		t.Fatalf("a $rate variable without arguments changed: %+v %v", res, err)
	}
}

func TestSkipComments(t *testing.T) {
	yes := true
	r := request("SELECT count() -- n\nFROM $table /* t */", "18.16.1")
	r.Altinity.SkipComments = &yes
	p, err := sqlplan.Build(context.Background(), r)
	if err != nil || strings.Contains(p.SQL, "--") || strings.Contains(p.SQL, "/*") {
		t.Fatalf("%v %q", err, p.SQL)
	}
}
