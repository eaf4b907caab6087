package clickhouse

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// Estimate uses EXPLAIN ESTIMATE where the server has it (21.9+): rows to
// read per table, with bytes scaled from each table's average row size. On
// older servers it returns an upper bound: the active parts of every
// referenced table (rows and uncompressed bytes from system.parts), before
// any partition pruning. The statement with the user's SQL runs with the
// query's settings (prepare), Quarry's own statistics statements with its
// time limit; the timeout is the configured one, or less when ctx ends
// sooner (engine.EstimateTimeout).
func (e *Engine) Estimate(ctx context.Context, plan *sqlplan.Plan) (engine.Cost, error) {
	if st := strings.ToLower(plan.Statement); st != "" && st != "select" {
		return engine.Cost{Kind: engine.CostUnknown, StatementType: st, Notes: []string{"estimates cover SELECT statements only"}}, nil
	}
	timeout := engine.EstimateTimeout(ctx, time.Duration(e.settings.QueryTimeout))
	qctx, cancel := engine.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := e.serverVersion(qctx)
	if err != nil {
		return engine.Cost{}, err
	}
	// The statement that carries the user's SQL (EXPLAIN ESTIMATE, which
	// builds its table functions and reads its settings) runs with the
	// query's settings (readonly=1, max_execution_time, the lifted
	// SETTINGS); Quarry's own statistics statements (system.parts, and
	// cluster() over the shards of a Distributed table, which readonly=1
	// would refuse on 18.16) with the query's time limit only.
	sctx, sql, err := e.prepare(qctx, plan.SQL, timeout, "")
	if err != nil {
		return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapError(err, ""))
	}
	ictx, err := e.internalContext(qctx, timeout)
	if err != nil {
		return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapError(err, ""))
	}
	d, _ := dialect.New(dialect.ClickHouse, versionString(v))
	if d.Has(dialect.ExplainEstimate) {
		c, err := e.explainEstimate(sctx, ictx, sql)
		if err != nil {
			return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapError(err, plan.SQL))
		}
		return c, nil
	}
	c, err := e.upperBound(ictx, sql) // the user's SQL is only parsed here, never sent
	if err != nil {
		return engine.Cost{}, engine.Classify(ctx, qctx, timeout, wrapError(err, ""))
	}
	return c, nil
}

type tableStat struct {
	rows, bytes uint64
}

func (e *Engine) explainEstimate(ctx, ictx context.Context, sql string) (engine.Cost, error) {
	rows, err := e.conn.Query(ctx, explainEstimateSQL(sql))
	if err != nil {
		return engine.Cost{}, err
	}
	defer rows.Close()
	type est struct {
		db, table string
		rows      uint64
	}
	var ests []est
	for rows.Next() {
		var (
			db, table          string
			parts, nrows, mark uint64
		)
		if err := rows.Scan(&db, &table, &parts, &nrows, &mark); err != nil {
			return engine.Cost{}, err
		}
		ests = append(ests, est{db, table, nrows})
	}
	if err := rows.Err(); err != nil {
		return engine.Cost{}, err
	}
	refs := make([][2]string, len(ests))
	for i, x := range ests {
		refs[i] = [2]string{x.db, x.table}
	}
	stats, err := e.partStats(ictx, refs)
	if err != nil {
		return engine.Cost{}, err
	}
	c := engine.Cost{Kind: engine.CostEstimate, StatementType: "SELECT"}
	for _, x := range ests {
		name := x.db + "." + x.table
		c.ReferencedTables = append(c.ReferencedTables, name)
		c.Rows += int64(x.rows)
		if st, ok := stats[name]; ok && st.rows > 0 {
			c.Bytes += int64(float64(x.rows) * float64(st.bytes) / float64(st.rows))
		}
	}
	c.Notes = []string{"EXPLAIN ESTIMATE: rows to read after index and partition pruning; bytes scaled by each table's average uncompressed row size"}
	return c, nil
}

func (e *Engine) upperBound(ctx context.Context, sql string) (engine.Cost, error) {
	var current string
	if err := e.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&current); err != nil {
		return engine.Cost{}, err
	}
	refs := referencedTables(sql, current)
	c := engine.Cost{Kind: engine.CostUpperBound, StatementType: "SELECT"}
	if len(refs) == 0 {
		c.Kind = engine.CostUnknown
		c.Notes = []string{"no tables referenced (or the query could not be read); no estimate"}
		return c, nil
	}
	stats, err := e.partStats(ctx, refs)
	if err != nil {
		return engine.Cost{}, err
	}
	engines, err := e.tableEngines(ctx, refs)
	if err != nil {
		return engine.Cost{}, err
	}
	known := 0
	for _, r := range refs {
		name := r[0] + "." + r[1]
		meta, exists := engines[name]
		if !exists {
			continue // a CTE or alias, not a table
		}
		eng := meta.engine
		c.ReferencedTables = append(c.ReferencedTables, name)
		if d, ok := distributedArgs(meta.engineFull); ok {
			st, shards, err := e.clusterPartStats(ctx, d, r[0])
			if err != nil {
				c.Notes = append(c.Notes, fmt.Sprintf("%s is a Distributed table whose shards could not be summed (%v); not counted", name, err))
				continue
			}
			c.Rows += int64(st.rows)
			c.Bytes += int64(st.bytes)
			known++
			c.Notes = append(c.Notes, fmt.Sprintf("%s: Distributed over cluster %s; parts of %s summed over its %d shards", name, d.Cluster, d.Table, shards))
			continue
		}
		if st, ok := stats[name]; ok {
			c.Rows += int64(st.rows)
			c.Bytes += int64(st.bytes)
			known++
		} else if !strings.Contains(eng, "MergeTree") {
			c.Notes = append(c.Notes, fmt.Sprintf("%s (engine %s) has no parts statistics; not counted", name, eng))
		} else {
			known++ // an empty MergeTree table
		}
	}
	if known == 0 {
		c.Kind = engine.CostUnknown
	}
	c.Notes = append([]string{"upper bound: whole tables from system.parts (rows, uncompressed bytes) before partition pruning; this server has no EXPLAIN ESTIMATE (ClickHouse < 21.9)"}, c.Notes...)
	return c, nil
}

// referencedTables finds the tables of FROM/JOIN clauses with the planner's
// parser (names qualified with the current database when bare).
func referencedTables(sql, current string) [][2]string {
	script, _ := parser.Parse(sql, sqlplan.ClickHouse) // a partial script is fine
	if script == nil {
		return nil
	}
	seen := map[[2]string]bool{}
	var out [][2]string
	ast.Inspect(script, func(n ast.Node) bool {
		ref, ok := n.(*ast.TableRef)
		if !ok || ref.Name == nil || len(ref.Name.Parts) == 0 {
			return true
		}
		parts := ref.Name.Parts
		key := [2]string{current, parts[len(parts)-1].Name}
		if len(parts) >= 2 {
			key[0] = parts[len(parts)-2].Name
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i][0]+"."+out[i][1] < out[j][0]+"."+out[j][1] })
	return out
}

// tupleList renders (('db','t'), ...) with quoted string literals.
func tupleList(refs [][2]string) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = "(" + quote(r[0]) + ", " + quote(r[1]) + ")"
	}
	return strings.Join(parts, ", ")
}

// quote is a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// explainEstimateSQL is the statement Estimate issues on servers with
// EXPLAIN ESTIMATE (21.9+) for the planned SQL; it returns (database,
// table, parts, rows, marks) per table read.
func explainEstimateSQL(sql string) string { return "EXPLAIN ESTIMATE " + sql }

// partStatsSQL reads the active parts' rows and uncompressed bytes of the
// tables refs (database, table).
func partStatsSQL(refs [][2]string) string {
	return `SELECT database, table, sum(rows), sum(data_uncompressed_bytes)
FROM system.parts WHERE active AND (database, table) IN (` + tupleList(refs) + `) GROUP BY database, table`
}

func (e *Engine) partStats(ctx context.Context, refs [][2]string) (map[string]tableStat, error) {
	out := map[string]tableStat{}
	if len(refs) == 0 {
		return out, nil
	}
	rows, err := e.conn.Query(ctx, partStatsSQL(refs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			db, table   string
			nrows, size uint64
		)
		if err := rows.Scan(&db, &table, &nrows, &size); err != nil {
			return nil, err
		}
		out[db+"."+table] = tableStat{nrows, size}
	}
	return out, rows.Err()
}

func (e *Engine) tableEngines(ctx context.Context, refs [][2]string) (map[string]tableMeta, error) {
	rows, err := e.conn.Query(ctx, `SELECT database, name, engine, engine_full FROM system.tables WHERE (database, name) IN (`+tupleList(refs)+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]tableMeta{}
	for rows.Next() {
		var db, name string
		var m tableMeta
		if err := rows.Scan(&db, &name, &m.engine, &m.engineFull); err != nil {
			return nil, err
		}
		out[db+"."+name] = m
	}
	return out, rows.Err()
}
