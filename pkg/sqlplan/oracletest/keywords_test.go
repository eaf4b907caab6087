package oracletest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/sample"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
	"github.com/bigtent/quarry/pkg/testenv"
)

// Keyword agreement: every keyword a dialect does not reserve is used as a
// column, an alias (with and without AS) and a table name, each statement
// runs on the real engine against fixture tables in quarry_keywords, and
// the planner must parse (with the right structure) every statement the
// engine accepts. Statements the engine refuses are counted, not required
// to fail in the planner (it is tolerant by design).

// kwForm is one way a keyword is used as a name.
type kwForm struct {
	name string
	// sql builds the statement for keyword kw.
	sql func(kw string) string
	// check reports what is wrong with the planner's parse ("" if right).
	check func(kw string, sel *ast.Select) string
}

const kwSchema = "quarry_keywords"

// fromT finds each FROM t of a ClickHouse form (a UNION names t twice).
var fromT = regexp.MustCompile(`\bFROM t\b`)

var kwForms = []kwForm{
	{"column", func(kw string) string { return "SELECT " + kw + " FROM " + kwSchema + ".cols" }, checkColumn},
	{"column-clauses", func(kw string) string {
		return "SELECT " + kw + ", count(*) FROM " + kwSchema + ".cols WHERE " + kw + " IS NOT NULL GROUP BY " + kw + " ORDER BY " + kw
	}, checkColumns(2)},
	{"alias-as", func(kw string) string { return "SELECT 1 AS " + kw + " FROM " + kwSchema + ".cols" }, checkAlias},
	{"alias-bare", func(kw string) string { return "SELECT 1 " + kw + " FROM " + kwSchema + ".cols" }, checkAlias},
	{"table", func(kw string) string { return "SELECT * FROM " + kwSchema + "." + kw }, checkTable},
	{"table-alias", func(kw string) string { return "SELECT " + kw + ".x FROM " + kwSchema + ".cols " + kw }, checkTableAlias},
}

func checkColumn(kw string, sel *ast.Select) string { return checkColumns(1)(kw, sel) }

func checkColumns(n int) func(string, *ast.Select) string {
	return func(kw string, sel *ast.Select) string {
		if len(sel.Items) != n {
			return fmt.Sprintf("%d select items, want %d", len(sel.Items), n)
		}
		if sel.From == nil || len(sel.From.Items) != 1 {
			return "FROM not found"
		}
		if sel.Items[0].Alias != nil {
			return "the column was read as an alias"
		}
		return ""
	}
}

func checkAlias(kw string, sel *ast.Select) string {
	if len(sel.Items) != 1 || sel.Items[0].Alias == nil || !strings.EqualFold(sel.Items[0].Alias.Name, kw) {
		return "the alias was not found"
	}
	if sel.From == nil {
		return "FROM not found"
	}
	return ""
}

func checkTable(kw string, sel *ast.Select) string {
	if sel.From == nil || len(sel.From.Items) != 1 {
		return "FROM not found"
	}
	tr, ok := sel.From.Items[0].(*ast.TableRef)
	if !ok || len(tr.Name.Parts) != 2 || !strings.EqualFold(tr.Name.Parts[1].Name, kw) || tr.Alias != nil {
		return "the table name was not found"
	}
	return ""
}

func checkTableAlias(kw string, sel *ast.Select) string {
	if sel.From == nil || len(sel.From.Items) != 1 {
		return "FROM not found"
	}
	tr, ok := sel.From.Items[0].(*ast.TableRef)
	if !ok || tr.Alias == nil || !strings.EqualFold(tr.Alias.Name.Name, kw) {
		return "the table alias was not found"
	}
	return ""
}

// plannerParses parses sql as the planner does and checks its structure.
func plannerParses(sql string, d sqlplan.Dialect, kw string, f kwForm) string {
	s, err := parser.Parse(sql, d)
	if err != nil {
		return err.Error()
	}
	if len(s.Statements) != 1 || s.Statements[0].Kind != ast.StmtSelect || s.Statements[0].Query == nil {
		return "not one SELECT statement"
	}
	sel, ok := s.Statements[0].Query.Body.(*ast.Select)
	if !ok {
		return "the query body is not a SELECT block"
	}
	return f.check(kw, sel)
}

// kwNames returns the keywords of a dialect that are names there: every
// keyword of its table that is not reserved for columns (Unreserved and
// ColName), plus, for dialects whose tables list only reserved words, every
// keyword the planner's lexer knows that the table does not reserve.
func kwNames(d dialect.Name) []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, k := range dialect.Keywords(d) {
		if k.Category == dialect.Unreserved || k.Category == dialect.ColName {
			add(k.Word)
		}
	}
	if d == dialect.BigQuery || d == dialect.ClickHouse {
		for _, w := range lexer.KeywordWords() {
			w = strings.ToLower(w)
			if dialect.KeywordCategoryOf(d, w) == dialect.NotKeyword {
				add(w)
			}
		}
	}
	sort.Strings(out)
	return out
}

// kwEngine runs fixture DDL and statements on one engine.
type kwEngine struct {
	d sqlplan.Dialect
	// setup creates quarry_keywords.cols with one column per keyword (and x)
	// and one table per keyword.
	setup func(ctx context.Context, kws []string) error
	// run executes one statement and reads its rows.
	run func(ctx context.Context, sql string) error
}

// agreement runs every keyword form on e and returns the disagreements.
func agreement(t *testing.T, e kwEngine, kws []string) { agreementForms(t, e, kws, kwForms) }

// agreementForms is agreement with the forms fs.
func agreementForms(t *testing.T, e kwEngine, kws []string, fs []kwForm) {
	ctx := context.Background()
	if err := e.setup(ctx, kws); err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	type tally struct{ accepted, refused, agree, disagree, kept, plannerOnly int }
	per := map[string]*tally{}
	var bad, kept []string
	for _, f := range fs {
		ta := &tally{}
		per[f.name] = ta
		for _, kw := range kws {
			sql := f.sql(kw)
			engineErr := e.run(ctx, sql)
			why := plannerParses(sql, e.d, kw, f)
			switch {
			case engineErr == nil && why == "":
				ta.accepted++
				ta.agree++
			case engineErr == nil && e.d == sqlplan.ClickHouse && (!parser.IsName(string(e.d), kw) || f.name == "alias-bare" || f.name == "table-alias"):
				// ClickHouse reads nearly every word as a name (SELECT from
				// FROM t runs on 18.16); the planner keeps the core SQL words
				// reserved there and takes fewer bare aliases. Counted and
				// listed, not failed.
				ta.accepted++
				ta.kept++
				kept = append(kept, kw+" ("+f.name+")")
			case engineErr == nil:
				ta.accepted++
				ta.disagree++
				bad = append(bad, fmt.Sprintf("%s %-12s %s: the engine accepts it, the planner: %s", e.d, f.name, sql, why))
			default:
				ta.refused++
				if why == "" {
					ta.plannerOnly++
				}
			}
		}
	}
	for _, f := range fs {
		ta := per[f.name]
		t.Logf("%s %-14s keywords %d: engine accepts %d (planner agrees on %d, keeps %d reserved), engine refuses %d (planner parses %d of them)",
			e.d, f.name, len(kws), ta.accepted, ta.agree, ta.kept, ta.refused, ta.plannerOnly)
	}
	if len(kept) > 0 {
		t.Logf("%s: accepted by the engine, kept reserved by the planner: %s", e.d, strings.Join(kept, ", "))
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// TestKeywordsAsNamesDuckDB runs the agreement on the embedded DuckDB, in a
// database of its own.
func TestKeywordsAsNamesDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	kws := kwNames(dialect.DuckDB)
	agreement(t, kwEngine{d: sqlplan.DuckDB,
		setup: func(ctx context.Context, kws []string) error { return ddl(ctx, db.ExecContext, kws, `"`, "INTEGER") },
		run: func(ctx context.Context, q string) error {
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			return rows.Close()
		},
	}, kws)
}

// TestKeywordsAsNamesPostgres runs the agreement on PostgreSQL 15, in the
// schema quarry_keywords (created once, kept).
func TestKeywordsAsNamesPostgres(t *testing.T) {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(ctx context.Context, q string, _ ...any) (sql.Result, error) {
		_, err := conn.Exec(ctx, q)
		return nil, err
	}
	kws := kwNames(dialect.Postgres)
	agreement(t, kwEngine{d: sqlplan.Postgres,
		setup: func(ctx context.Context, kws []string) error { return ddl(ctx, exec, kws, `"`, "INTEGER") },
		run: func(ctx context.Context, q string) error {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		},
	}, kws)
}

// ddl creates schema quarry_keywords with table cols (x and one column per
// keyword) and a table per keyword, quoting names with q.
func ddl(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), kws []string, q, typ string) error {
	return ddlWith(ctx, exec, kws, q, typ, "CREATE SCHEMA IF NOT EXISTS "+kwSchema, "")
}

// ddlWith is ddl with the statement that creates the schema (or database)
// and a table suffix (ClickHouse's ENGINE clause).
func ddlWith(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), kws []string, q, typ, schema, suffix string) error {
	quote := func(s string) string { return q + s + q }
	stmts := []string{schema}
	cols := []string{"x " + typ}
	for _, kw := range kws {
		cols = append(cols, quote(kw)+" "+typ)
	}
	stmts = append(stmts, "CREATE TABLE IF NOT EXISTS "+kwSchema+".cols ("+strings.Join(cols, ", ")+")"+suffix)
	for _, kw := range kws {
		stmts = append(stmts, "CREATE TABLE IF NOT EXISTS "+kwSchema+"."+quote(kw)+" (x "+typ+")"+suffix)
	}
	for _, s := range stmts {
		if _, err := exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// keywordTable renders a keyword table as "word category" lines.
func keywordTable(ks []dialect.Keyword, bare bool) string {
	var b strings.Builder
	for _, k := range ks {
		fmt.Fprintf(&b, "%s %s", k.Word, k.Category)
		if bare {
			fmt.Fprintf(&b, " bare=%v", k.BareLabel)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var pgCategory = map[string]dialect.KeywordCategory{"R": dialect.Reserved, "T": dialect.TypeFuncName, "C": dialect.ColName, "U": dialect.Unreserved}
var duckCategory = map[string]dialect.KeywordCategory{"reserved": dialect.Reserved, "type_function": dialect.TypeFuncName,
	"column_name": dialect.ColName, "unreserved": dialect.Unreserved}

// TestDuckDBKeywordsMatchEngine: the committed DuckDB keyword table is the
// embedded engine's duckdb_keywords().
func TestDuckDBKeywordsMatchEngine(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT keyword_name, keyword_category FROM duckdb_keywords() ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []dialect.Keyword
	for rows.Next() {
		var w, c string
		if err := rows.Scan(&w, &c); err != nil {
			t.Fatal(err)
		}
		got = append(got, dialect.Keyword{Word: w, Category: duckCategory[c]})
	}
	if g, w := keywordTable(got, false), keywordTable(dialect.Keywords(dialect.DuckDB), false); g != w {
		t.Errorf("pkg/sqlplan/dialect/keywords_duckdb.go differs from this DuckDB's duckdb_keywords(): regenerate it\nengine:\n%s", g)
	}
}

// TestPostgresKeywordsMatchServer: the committed PostgreSQL keyword table
// is the server's pg_get_keywords().
func TestPostgresKeywordsMatchServer(t *testing.T) {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT word, catcode::text, barelabel FROM pg_get_keywords() ORDER BY word")
	if err != nil {
		t.Fatal(err)
	}
	var got []dialect.Keyword
	for rows.Next() {
		var w, c string
		var bare bool
		if err := rows.Scan(&w, &c, &bare); err != nil {
			t.Fatal(err)
		}
		got = append(got, dialect.Keyword{Word: w, Category: pgCategory[c], BareLabel: bare})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if g, w := keywordTable(got, true), keywordTable(dialect.Keywords(dialect.Postgres), true); g != w {
		t.Errorf("pkg/sqlplan/dialect/keywords_postgres.go differs from the server's pg_get_keywords(): regenerate it\nserver:\n%s", g)
	}
}

// TestKeywordsAsNamesClickHouse runs the agreement on ClickHouse 18.16, in
// the database quarry_keywords (created once, kept), with every keyword
// the planner's lexer knows (ClickHouse reserves none as a name).
func TestKeywordsAsNamesClickHouse(t *testing.T) {
	info := testenv.ClickHouse(t)
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(ctx context.Context, q string, _ ...any) (sql.Result, error) { return nil, conn.Exec(ctx, q) }
	kws := kwNames(dialect.ClickHouse)
	agreement(t, kwEngine{d: sqlplan.ClickHouse,
		setup: func(ctx context.Context, kws []string) error {
			return ddlWith(ctx, exec, kws, "`", "Int32", "CREATE DATABASE IF NOT EXISTS "+kwSchema, " ENGINE = Memory")
		},
		run: func(ctx context.Context, q string) error {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		},
	}, kws)
}

// TestClickHouseFormsOnServer runs the ClickHouse forms the parser tests
// (oracletest.ClickHouseForms) that ClickHouse 18.16 has, on the server, on a
// fixture table quarry_keywords.t, and plans each for 18.16.1.
func TestClickHouseFormsOnServer(t *testing.T) {
	info := testenv.ClickHouse(t)
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + kwSchema,
		"CREATE TABLE IF NOT EXISTS " + kwSchema + ".t (a UInt32, b UInt32, c UInt32, x UInt32, s String, h String, d Date, " +
			"arr Array(UInt32), tup Tuple(UInt32, UInt32)) ENGINE = ReplacingMergeTree() PARTITION BY tuple() " +
			"ORDER BY (a, intHash32(a)) SAMPLE BY intHash32(a)",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ran := 0
	for _, c := range oracletest.ClickHouseForms {
		if !c.On1816 {
			continue
		}
		q := fromT.ReplaceAllString(c.SQL, "FROM "+kwSchema+".t")
		plan, err := sqlplan.Build(ctx, sqlplan.Request{Dialect: sqlplan.ClickHouse, RawSQL: q, ServerVersion: "18.16.1",
			TimeRange: sqlplan.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}})
		if err != nil {
			t.Errorf("%s: plan: %v", q, err)
			continue
		}
		run := plan.SQL
		if strings.Contains(run, "FORMAT JSON") { // the native protocol has its own format
			run = strings.Replace(run, " FORMAT JSON", "", 1)
		}
		rows, err := conn.Query(ctx, run)
		if err != nil {
			t.Errorf("%s: ClickHouse %s refuses the planned SQL: %v", run, info.Version, err)
			continue
		}
		rows.Close()
		ran++
	}
	t.Logf("%d ClickHouse forms ran on ClickHouse %s", ran, info.Version)
}

// bqForms are kwForms without fixture tables (the emulator loads tables
// slowly): a derived table provides the column, a CTE the table name.
var bqForms = []kwForm{
	{"column", func(kw string) string { return "SELECT " + kw + " FROM (SELECT 1 AS " + kw + ")" }, checkColumn},
	{"column-clauses", func(kw string) string {
		return "SELECT " + kw + ", count(*) FROM (SELECT 1 AS " + kw + ") WHERE " + kw + " IS NOT NULL GROUP BY " + kw + " ORDER BY " + kw
	}, checkColumns(2)},
	{"alias-as", func(kw string) string { return "SELECT 1 AS " + kw + " FROM (SELECT 1 AS x)" }, checkAlias},
	{"alias-bare", func(kw string) string { return "SELECT 1 " + kw + " FROM (SELECT 1 AS x)" }, checkAlias},
	{"table", func(kw string) string { return "WITH " + kw + " AS (SELECT 1 AS x) SELECT * FROM " + kw }, func(kw string, sel *ast.Select) string {
		if sel.From == nil || len(sel.From.Items) != 1 {
			return "FROM not found"
		}
		tr, ok := sel.From.Items[0].(*ast.TableRef)
		if !ok || len(tr.Name.Parts) != 1 || !strings.EqualFold(tr.Name.Parts[0].Name, kw) {
			return "the table name was not found"
		}
		return ""
	}},
	{"table-alias", func(kw string) string { return "SELECT " + kw + ".x FROM (SELECT 1 AS x) " + kw }, func(kw string, sel *ast.Select) string {
		if sel.From == nil || len(sel.From.Items) != 1 {
			return "FROM not found"
		}
		dt, ok := sel.From.Items[0].(*ast.DerivedTable)
		if !ok || dt.Alias == nil || !strings.EqualFold(dt.Alias.Name.Name, kw) {
			return "the table alias was not found"
		}
		return ""
	}},
}

// TestKeywordsAsNamesBigQuery runs the agreement on the BigQuery emulator
// (ZetaSQL), with every keyword the planner's lexer knows that BigQuery
// does not reserve.
func TestKeywordsAsNamesBigQuery(t *testing.T) {
	kws := kwNames(dialect.BigQuery)
	if os.Getenv("QUARRY_KEYWORDS_FULL") != "1" {
		// The emulator takes about a second a query: CI runs every 16th
		// keyword; QUARRY_KEYWORDS_FULL=1 runs them all (about 10 minutes).
		var some []string
		for i := 0; i < len(kws); i += 16 {
			some = append(some, kws[i])
		}
		kws = some
	}
	e := bigQuery(t)
	defer e.close()
	agreementForms(t, kwEngine{d: sqlplan.BigQuery,
		setup: func(context.Context, []string) error { return nil },
		run: func(ctx context.Context, q string) error {
			_, err := e.rows(ctx, q)
			return err
		},
	}, kws, bqForms)
}
