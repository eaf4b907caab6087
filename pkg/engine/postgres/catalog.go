package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
)

// Datasets lists the schemas the user may use.
func (e *Engine) Datasets(ctx context.Context) ([]string, error) {
	return e.strings(ctx, `SELECT nspname::text FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
  AND has_schema_privilege(oid, 'USAGE')
ORDER BY 1`)
}

// Tables lists the tables, views, materialized views and partitioned
// tables of a schema ("" = the first schema on the search path). Partitions
// are not listed; their parent is.
func (e *Engine) Tables(ctx context.Context, dataset string) ([]string, error) {
	return e.strings(ctx, `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(NULLIF($1, ''), current_schema())
  AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
ORDER BY 1`, dataset)
}

// Columns describes a table: column types (as format_type prints them),
// declarative partitioning, and row/size statistics.
func (e *Engine) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	e.session.ready(ctx, e.pool)
	schema := dataset
	if schema == "" {
		if err := e.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return catalog.Table{}, engine.Downstream(wrapPgError(err, ""))
		}
	}
	out := catalog.Table{Name: schema + "." + table}
	var (
		oid      uint32
		relkind  string
		tuples   float64
		size     int64
		strategy *string
		partCols []string
	)
	err := e.pool.QueryRow(ctx, `SELECT c.oid, c.relkind::text, GREATEST(c.reltuples, 0)::float8,
  CASE WHEN c.relkind IN ('r','m','p') THEN pg_total_relation_size(c.oid) ELSE 0 END,
  pt.partstrat::text,
  ARRAY(SELECT a.attname::text FROM unnest(pt.partattrs) k JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
WHERE n.nspname = $1 AND c.relname = $2`, schema, table).Scan(&oid, &relkind, &tuples, &size, &strategy, &partCols)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return catalog.Table{}, engine.Downstream(fmt.Errorf("table %s.%s not found (or not visible to the user)", schema, table))
		}
		return catalog.Table{}, engine.Downstream(wrapPgError(err, ""))
	}
	if relkind == "p" {
		// A partitioned table's own statistics are empty: sum its partitions.
		_ = e.pool.QueryRow(ctx, `SELECT COALESCE(sum(GREATEST(c.reltuples,0)),0)::float8, COALESCE(sum(pg_total_relation_size(c.oid)),0)::int8
FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf`, oid).Scan(&tuples, &size)
	}
	out.RowCount, out.Bytes = int64(tuples), size
	if strategy != nil && len(partCols) == 1 && *strategy == "r" {
		out.Partitioning = &catalog.Partitioning{Kind: catalog.PartitionColumn, Column: partCols[0]}
	}
	rows, err := e.pool.Query(ctx, `SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, oid)
	if err != nil {
		return catalog.Table{}, engine.Downstream(wrapPgError(err, ""))
	}
	defer rows.Close()
	for rows.Next() {
		var c catalog.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return catalog.Table{}, engine.Downstream(err)
		}
		out.Columns = append(out.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return catalog.Table{}, engine.Downstream(wrapPgError(err, ""))
	}
	return out, nil
}

func (e *Engine) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	e.session.ready(ctx, e.pool)
	rows, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, engine.Downstream(wrapPgError(err, ""))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, engine.Downstream(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, engine.Downstream(wrapPgError(err, ""))
	}
	return out, nil
}
