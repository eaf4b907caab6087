package builder

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var dialects = []dialect.Name{dialect.BigQuery, dialect.Postgres, dialect.ClickHouse, dialect.DuckDB}

func i64(n int64) *int64 { return &n }

// models are written by Build in every dialect and must read back equal.
var models = map[string]*Model{
	"star_limit": {Mode: ModeTable, Table: Table{Dataset: "sample", Name: "http_requests"},
		Columns: []Column{{Name: "*"}}, Limit: i64(100)},
	"time_series_count": {Mode: ModeTimeSeries, Table: Table{Dataset: "sample", Name: "http_requests"},
		Time:    &TimeGroup{Column: "ts", Interval: "$__interval", Fill: "0"},
		Columns: []Column{{Name: "host"}, {Name: "*", Aggregate: AggCount, Alias: "requests"}},
		Filters: []Filter{{Column: "ts", Op: OpTimeFilter}, {Column: "host", Op: OpIn, Values: []Value{{Kind: ValueVariable, Text: "${host:singlequote}"}}}},
		GroupBy: []string{"host"}, OrderBy: []Order{{Time: true}}},
	"aliased_group": {Mode: ModeTimeSeries, Table: Table{Name: "events"},
		Time:    &TimeGroup{Column: "Event Time", Interval: "5m", Fill: "NULL", Alias: "t"},
		Columns: []Column{{Name: "latency", Aggregate: AggAvg}, {Name: "user", Aggregate: AggCountDistinct, Alias: "users"}}},
	"every_operator": {Mode: ModeTable, Table: Table{Dataset: "sample", Name: "logs"},
		Columns: []Column{{Name: "level"}, {Name: "message"}},
		Filters: []Filter{
			{Column: "status", Op: OpEq, Value: &Value{Kind: ValueNumber, Text: "200"}},
			{Column: "host", Op: OpNe, Value: &Value{Kind: ValueString, Text: "it's \\ \"odd\""}},
			{Column: "bytes", Op: OpLt, Value: &Value{Kind: ValueNumber, Text: "-1.5"}},
			{Column: "bytes", Op: OpGt, Value: &Value{Kind: ValueVariable, Text: "$min"}},
			{Column: "bytes", Op: OpLe, Value: &Value{Kind: ValueNumber, Text: "1e6"}},
			{Column: "bytes", Op: OpGe, Value: &Value{Kind: ValueNumber, Text: "0"}},
			{Column: "level", Op: OpNotIn, Values: []Value{{Kind: ValueString, Text: "debug"}, {Kind: ValueString, Text: "trace"}}},
			{Column: "message", Op: OpLike, Value: &Value{Kind: ValueString, Text: "%timeout%"}},
			{Column: "message", Op: OpNotLike, Value: &Value{Kind: ValueString, Text: "%ok\n\t%"}},
			{Column: "trace_id", Op: OpIsNull},
			{Column: "span_id", Op: OpIsNotNull},
		},
		OrderBy: []Order{{Column: "level", Desc: true}}, Limit: i64(0)},
	"logs": {Mode: ModeLogs, Table: Table{Dataset: "sample", Name: "logs"},
		Columns: []Column{{Name: "ts"}, {Name: "level"}, {Name: "message"}},
		Filters: []Filter{{Column: "ts", Op: OpTimeFilter}, {Column: "level", Op: OpEq, Value: &Value{Kind: ValueVariable, Text: "$level"}}},
		OrderBy: []Order{{Column: "ts", Desc: true}}, Limit: i64(1000)},
	"top_n": {Mode: ModeTable, Table: Table{Dataset: "Sales", Name: "Order"},
		Columns: []Column{{Name: "region"}, {Name: "amount", Aggregate: AggSum, Alias: "total"}, {Name: "amount", Aggregate: AggMax}, {Name: "amount", Aggregate: AggMin}},
		GroupBy: []string{"region"}, OrderBy: []Order{{Column: "amount", Aggregate: AggSum, Desc: true}, {Column: "*", Aggregate: AggCount}}, Limit: i64(10)},
	"variable_interval": {Mode: ModeTimeSeries, Table: Table{Name: "metrics"},
		Time:    &TimeGroup{Column: "ts", Interval: "$bucket", Fill: "previous"},
		Columns: []Column{{Name: "value", Aggregate: AggMax}}, OrderBy: []Order{{Time: true, Desc: true}}},
}

func TestModelRoundTrip(t *testing.T) {
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	for _, dn := range dialects {
		d := dialect.MustNew(dn, "")
		var golden strings.Builder
		for _, name := range sortedKeys(models) {
			m := models[name]
			sql, err := Build(m, d)
			if err != nil {
				t.Fatalf("%s/%s: Build: %v", dn, name, err)
			}
			fmt.Fprintf(&golden, "== %s\n%s\n", name, sql)
			got, err := Parse(sql, d, m.Mode)
			if err != nil {
				t.Errorf("%s/%s: Parse(Build(m)): %v\n%s", dn, name, err, sql)
				continue
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("%s/%s: model -> SQL -> model changed it:\n got %s\nwant %s", dn, name, js(got), js(m))
			}
			again, err := Build(got, d)
			if err != nil || again != sql {
				t.Errorf("%s/%s: SQL -> model -> SQL is not exact (%v):\n%s\n---\n%s", dn, name, err, again, sql)
			}
		}
		checkGolden(t, filepath.Join("testdata", "golden", "models_"+string(dn)+".sql"), golden.String())
	}
	_ = names
}

func sortedKeys(m map[string]*Model) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run go test -update and review the diff):\n%s", path, got)
	}
}

// TestParseCases reads testdata/cases/<dialect>.sql: cases start with a
// line "-- case: name [mode]". The golden holds the model and the SQL the
// builder writes for it, or the refusal with its position.
func TestParseCases(t *testing.T) {
	for _, dn := range dialects {
		d := dialect.MustNew(dn, "")
		src, err := os.ReadFile(filepath.Join("testdata", "cases", string(dn)+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		for _, c := range splitCases(string(src)) {
			fmt.Fprintf(&out, "== %s\n", c.name)
			m, err := Parse(c.sql, d, c.mode)
			var nf *NotFit
			switch {
			case errors.As(err, &nf):
				if nf.Reason == "" {
					t.Errorf("%s/%s: refusal without a reason", dn, c.name)
				}
				fmt.Fprintf(&out, "refused at %d:%d: %s\n", nf.Line, nf.Column, nf.Reason)
				continue
			case err != nil:
				fmt.Fprintf(&out, "error: %v\n", err)
				continue
			}
			sql, err := Build(m, d)
			if err != nil {
				t.Errorf("%s/%s: Build after Parse: %v", dn, c.name, err)
				continue
			}
			// Whatever fits must come back unchanged through a second trip.
			m2, err := Parse(sql, d, m.Mode)
			if err != nil || !reflect.DeepEqual(m, m2) {
				t.Errorf("%s/%s: second trip differs (%v)", dn, c.name, err)
			}
			fmt.Fprintf(&out, "model: %s\n%s\n", js(m), sql)
		}
		checkGolden(t, filepath.Join("testdata", "golden", string(dn)+".txt"), out.String())
	}
}

type parseCase struct {
	name string
	mode Mode
	sql  string
}

func splitCases(src string) []parseCase {
	var cases []parseCase
	for _, block := range strings.Split(src, "-- case: ")[1:] {
		head, body, _ := strings.Cut(block, "\n")
		f := strings.Fields(head)
		c := parseCase{name: f[0], sql: strings.TrimSpace(body)}
		if len(f) > 1 {
			c.mode = Mode(f[1])
		}
		cases = append(cases, c)
	}
	return cases
}

func TestBuildRefusesBadModels(t *testing.T) {
	d := dialect.MustNew(dialect.Postgres, "")
	base := func() *Model {
		return &Model{Mode: ModeTable, Table: Table{Name: "t"}, Columns: []Column{{Name: "a"}}}
	}
	cases := []struct {
		name  string
		edit  func(m *Model)
		field string
	}{
		{"no table", func(m *Model) { m.Table.Name = "" }, "table.name"},
		{"bad mode", func(m *Model) { m.Mode = "chart" }, "mode"},
		{"project outside bigquery", func(m *Model) { m.Table = Table{Project: "p", Dataset: "d", Name: "t"} }, "table.project"},
		{"no columns", func(m *Model) { m.Columns = nil }, "columns"},
		{"time series without time", func(m *Model) { m.Mode = ModeTimeSeries }, "time"},
		{"bad interval", func(m *Model) { m.Time = &TimeGroup{Column: "ts", Interval: "soon"} }, "time.interval"},
		{"interval injection", func(m *Model) { m.Time = &TimeGroup{Column: "ts", Interval: "$x); DROP TABLE t; --"} }, "time.interval"},
		{"bad fill", func(m *Model) { m.Time = &TimeGroup{Column: "ts", Interval: "1m", Fill: "1; DROP"} }, "time.fill"},
		{"unknown aggregate", func(m *Model) { m.Columns[0].Aggregate = "median" }, "columns[0].aggregate"},
		{"sum of star", func(m *Model) { m.Columns[0] = Column{Name: "*", Aggregate: AggSum} }, "columns[0].aggregate"},
		{"unknown operator", func(m *Model) { m.Filters = []Filter{{Column: "a", Op: "~"}} }, "filters[0].op"},
		{"missing value", func(m *Model) { m.Filters = []Filter{{Column: "a", Op: OpEq}} }, "filters[0].value"},
		{"number that is not", func(m *Model) {
			m.Filters = []Filter{{Column: "a", Op: OpEq, Value: &Value{Kind: ValueNumber, Text: "1 OR 1=1"}}}
		}, "filters[0].value"},
		{"variable that is not", func(m *Model) {
			m.Filters = []Filter{{Column: "a", Op: OpEq, Value: &Value{Kind: ValueVariable, Text: "$a OR 1=1"}}}
		}, "filters[0].value"},
		{"macro as variable", func(m *Model) {
			m.Filters = []Filter{{Column: "a", Op: OpEq, Value: &Value{Kind: ValueVariable, Text: "$__timeFrom()"}}}
		}, "filters[0].value"},
		{"nul in string", func(m *Model) {
			m.Filters = []Filter{{Column: "a", Op: OpEq, Value: &Value{Kind: ValueString, Text: "a\x00b"}}}
		}, "filters[0].value"},
		{"empty IN", func(m *Model) { m.Filters = []Filter{{Column: "a", Op: OpIn}} }, "filters[0].values"},
		{"order by time without time", func(m *Model) { m.OrderBy = []Order{{Time: true}} }, "orderBy[0].time"},
		{"control character in a name", func(m *Model) { m.Columns[0].Name = "a\nb" }, "columns[0].name"},
		{"negative limit", func(m *Model) { m.Limit = i64(-1) }, "limit"},
	}
	for _, c := range cases {
		m := base()
		c.edit(m)
		_, err := Build(m, d)
		var me *ModelError
		if !errors.As(err, &me) || me.Field != c.field || me.Message == "" {
			t.Errorf("%s: Build error = %v; want a ModelError on %s", c.name, err, c.field)
		}
	}
}

// TestValuesAreQuoted checks that hostile strings and names stay inside
// their literal or identifier in every dialect: the SQL reads back to the
// same model, so nothing leaked into the syntax.
func TestValuesAreQuoted(t *testing.T) {
	hostile := []string{`'; DROP TABLE t; --`, `\'; DROP`, "a\\nb", `$notavar`, "`x`", `"x"`, "-- c", "/* c */"}
	for _, dn := range dialects {
		d := dialect.MustNew(dn, "")
		for _, h := range hostile {
			m := &Model{Mode: ModeTable, Table: Table{Dataset: h, Name: h},
				Columns: []Column{{Name: h, Alias: h}},
				Filters: []Filter{{Column: h, Op: OpEq, Value: &Value{Kind: ValueString, Text: h}}}}
			sql, err := Build(m, d)
			if err != nil {
				t.Fatalf("%s %q: %v", dn, h, err)
			}
			got, err := Parse(sql, d, ModeTable)
			if err != nil || !reflect.DeepEqual(got, m) {
				t.Errorf("%s %q: did not read back (%v):\n%s", dn, h, err, sql)
			}
		}
	}
}
