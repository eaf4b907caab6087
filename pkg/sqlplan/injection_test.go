package sqlplan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// hostileValues are filter values that try to break out of a string
// literal: quotes, backslashes, comment starters, statement separators,
// template syntax, unicode and NUL.
var hostileValues = oracletest.HostileValues

// hostileKeys are filter keys that must be refused (never quoted into the
// SQL): they are not identifiers or dotted paths.
var hostileKeys = []string{
	`host" = 'x' OR 1=1 --`, "host`; DROP TABLE t; --", "host'", "host--", "host/*", "ho st", "host;",
	"host\x00", "1host", "host)", "(host", "a..b", ".host", "host.", "$__timeFilter(ts)", "${host}",
	"host\nOR 1=1", "h\\ost", "[[host]]", "host = 1",
}

// structure is the token kinds of sql (whitespace dropped), which an
// injection would change: a value that escapes its literal adds comments,
// operators, words or statements.
func structure(t *testing.T, sql string, d sqlplan.Dialect) []string {
	t.Helper()
	toks, err := lexer.Lex(sql, d)
	if err != nil {
		t.Fatalf("output does not lex: %v\n%s", err, sql)
	}
	var out []string
	for _, tk := range toks {
		switch tk.Kind {
		case lexer.Whitespace:
			continue
		case lexer.String, lexer.Number:
			out = append(out, "literal")
		case lexer.Comment:
			out = append(out, "comment:"+tk.Text(sql))
		default:
			out = append(out, tk.Kind.String()+":"+tk.Text(sql))
		}
	}
	return out
}

func injectionRequest(d sqlplan.Dialect, sql string, f sqlplan.Filter) sqlplan.Request {
	from := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	return sqlplan.Request{Dialect: d, RawSQL: sql, TimeRange: sqlplan.TimeRange{From: from, To: from.Add(time.Hour)},
		IntervalMs: 60000, Filters: []sqlplan.Filter{f}, MaxRows: 100}
}

var injectionQueries = map[sqlplan.Dialect]string{
	sqlplan.Postgres:   "SELECT ts, message FROM sample.logs WHERE $__timeFilter(ts) ORDER BY ts",
	sqlplan.DuckDB:     "SELECT ts, message FROM sample.logs WHERE $__timeFilter(ts) ORDER BY ts",
	sqlplan.ClickHouse: "SELECT ts, message FROM sample.logs WHERE $__timeFilter(ts) ORDER BY ts",
	sqlplan.BigQuery:   "SELECT ts, message FROM `sample.logs` WHERE $__timeFilter(ts) ORDER BY ts",
}

// TestInjectionValues: for every dialect, operator and hostile value, the
// planned SQL has exactly the token structure it has for a harmless value,
// and still parses as one SELECT. (oracletest runs the same SQL on the
// real engines.)
func TestInjectionValues(t *testing.T) {
	ops := []string{"=", "!=", "<", ">=", "=~", "!~", "=|", "!=|"}
	for d, sql := range injectionQueries {
		for _, op := range ops {
			base := sqlplan.Filter{Key: "message", Operator: op, Value: "x"}
			if strings.HasSuffix(op, "|") {
				base = sqlplan.Filter{Key: "message", Operator: op, Values: []string{"x", "y"}}
			}
			want, err := sqlplan.Build(context.Background(), injectionRequest(d, sql, base))
			if err != nil {
				t.Fatalf("%s %s: %v", d, op, err)
			}
			wantStruct := structure(t, want.SQL, d)
			for _, v := range hostileValues {
				f := sqlplan.Filter{Key: "message", Operator: op, Value: v}
				if strings.HasSuffix(op, "|") {
					f = sqlplan.Filter{Key: "message", Operator: op, Values: []string{v, "y"}}
				}
				plan, err := sqlplan.Build(context.Background(), injectionRequest(d, sql, f))
				if err != nil {
					// Only a NUL may be refused, and only where the
					// dialect's text cannot hold it.
					if strings.ContainsRune(v, 0) && (d == sqlplan.Postgres || d == sqlplan.DuckDB) {
						continue
					}
					t.Errorf("%s %s %q: %v", d, op, v, err)
					continue
				}
				got := structure(t, plan.SQL, d)
				if strings.Join(got, "\x1f") != strings.Join(wantStruct, "\x1f") {
					t.Errorf("%s %s %q changed the statement structure:\n%s", d, op, v, plan.SQL)
					continue
				}
				script, err := parser.Parse(plan.SQL, d)
				if err != nil || len(script.Statements) != 1 || script.Statements[0].Kind.String() != "select" {
					t.Errorf("%s %s %q: output does not re-parse as one SELECT (%v):\n%s", d, op, v, err, plan.SQL)
				}
			}
		}
	}
}

// TestInjectionKeys: hostile keys are refused with a clear error naming
// the rule, in every dialect, and never reach the SQL.
func TestInjectionKeys(t *testing.T) {
	for d, sql := range injectionQueries {
		for _, k := range hostileKeys {
			_, err := sqlplan.Build(context.Background(), injectionRequest(d, sql, sqlplan.Filter{Key: k, Operator: "=", Value: "x"}))
			var pe *sqlplan.Error
			if !errors.As(err, &pe) {
				t.Errorf("%s key %q: got %v, want a *sqlplan.Error", d, k, err)
				continue
			}
			if !strings.Contains(pe.Message, "identifier or a dotted path") {
				t.Errorf("%s key %q: message %q does not say what a key must be", d, k, pe.Message)
			}
		}
	}
}
