package sqlplan_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// FuzzBuild plans arbitrary SQL with an arbitrary filter in every dialect:
// Build never panics, fails only with a *sqlplan.Error, and what it plans
// parses again as one statement of the same kind. Seeds: the corpus, the
// hostile filter values and testdata/fuzz/FuzzBuild. A Planner reused
// across the inputs must plan exactly as Build does.
func FuzzBuild(f *testing.F) {
	var reused sqlplan.Planner
	for _, q := range loadCorpus(f) {
		f.Add(q.Request.RawSQL, uint8(0), "host", "=", "web-1")
	}
	for i, v := range oracletest.HostileValues {
		f.Add("SELECT ts FROM sample.logs WHERE $__timeFilter(ts)", uint8(i), "message", "=~", v)
	}
	ops := []string{"=", "!=", "<", ">", "<=", ">=", "=~", "!~", "=|", "!=|"}
	from := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, sql string, sel uint8, key, op, value string) {
		d := oracletest.Dialects[int(sel)%len(oracletest.Dialects)]
		if !isOp(op, ops) {
			op = ops[int(sel)%len(ops)]
		}
		req := sqlplan.Request{
			Dialect: d, RawSQL: sql, TimeRange: sqlplan.TimeRange{From: from, To: from.Add(time.Hour)},
			IntervalMs: 60000, MaxRows: int64(sel) % 3 * 50,
			Filters: []sqlplan.Filter{{Key: key, Operator: op, Value: value}},
		}
		if op == "=|" || op == "!=|" {
			req.Filters[0].Value, req.Filters[0].Values = "", []string{value, key}
		}
		plan, err := sqlplan.Build(context.Background(), req)
		rplan, rerr := reused.Build(context.Background(), req)
		if !reflect.DeepEqual(err, rerr) || !reflect.DeepEqual(plan, rplan) {
			t.Fatalf("a reused Planner differs from Build:\nin: %q\nBuild:   %#v %v\nPlanner: %#v %v", sql, plan, err, rplan, rerr)
		}
		if err != nil {
			var pe *sqlplan.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Build returned %T (%v), want *sqlplan.Error", err, err)
			}
			return
		}
		if hasMacro(sql, d) {
			// A macro the user put where no expression belongs (`FROM
			// $__time(c)`) expands to SQL that does not fit there either; the
			// re-parse property is about what the planner itself adds
			// (filters, LIMIT), which the macro-free inputs cover.
			return
		}
		script, err := parser.Parse(plan.SQL, d)
		if err != nil {
			t.Fatalf("planned SQL does not parse: %v\nin:  %q\nout: %q", err, sql, plan.SQL)
		}
		if len(script.Statements) != 1 || script.Statements[0].Kind.String() != plan.Statement {
			t.Fatalf("planned SQL is not one %s statement:\nin:  %q\nout: %q", plan.Statement, sql, plan.SQL)
		}
	})
}

// hasMacro reports whether sql holds a $__ macro token.
func hasMacro(sql string, d sqlplan.Dialect) bool {
	toks, _ := lexer.Lex(sql, d)
	for _, t := range toks {
		if t.Kind == lexer.Macro {
			return true
		}
	}
	return false
}

func isOp(op string, ops []string) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}
