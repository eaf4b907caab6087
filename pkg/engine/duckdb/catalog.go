//go:build cgo

package duckdb

import (
	"context"
	"fmt"

	"github.com/bigtent/quarry/pkg/catalog"
)

// Datasets lists the schemas that hold tables or views. Data-folder views
// live in the "temp" catalog's main schema and are listed as "temp".
func (e *Engine) Datasets(ctx context.Context) ([]string, error) {
	if !e.enter() {
		return nil, errClosed
	}
	defer e.inflight.Done()
	rows, err := e.db.QueryContext(ctx, `
		SELECT DISTINCT CASE WHEN database_name = 'temp' THEN 'temp' ELSE schema_name END AS s
		FROM (SELECT database_name, schema_name FROM duckdb_tables() WHERE NOT internal
		      UNION ALL
		      SELECT database_name, schema_name FROM duckdb_views() WHERE NOT internal)
		ORDER BY s`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: listing schemas: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("duckdb: listing schemas: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// schemaFilter returns the (database, schema) condition for a dataset name.
func schemaFilter(dataset string) (string, []any) {
	switch dataset {
	case "":
		return "database_name <> 'temp' AND schema_name = current_schema()", nil
	case "temp":
		return "database_name = 'temp'", nil
	}
	return "database_name <> 'temp' AND schema_name = ?", []any{dataset}
}

// Tables lists the tables and views of a schema ("" = the current schema,
// "temp" = the data-folder views).
func (e *Engine) Tables(ctx context.Context, dataset string) ([]string, error) {
	if !e.enter() {
		return nil, errClosed
	}
	defer e.inflight.Done()
	cond, args := schemaFilter(dataset)
	rows, err := e.db.QueryContext(ctx, `
		SELECT name FROM (
		  SELECT table_name AS name, database_name, schema_name FROM duckdb_tables() WHERE NOT internal
		  UNION ALL
		  SELECT view_name, database_name, schema_name FROM duckdb_views() WHERE NOT internal)
		WHERE `+cond+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: listing tables of %q: %w", dataset, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Columns describes a table or view with DuckDB's type names and, for
// tables, the estimated row count. DuckDB tables are not partitioned.
func (e *Engine) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	if !e.enter() {
		return catalog.Table{}, errClosed
	}
	defer e.inflight.Done()
	cond, args := schemaFilter(dataset)
	args = append(args, table)
	rows, err := e.db.QueryContext(ctx, `
		SELECT column_name, data_type FROM duckdb_columns()
		WHERE `+cond+` AND table_name = ? ORDER BY column_index`, args...)
	if err != nil {
		return catalog.Table{}, fmt.Errorf("duckdb: describing %s: %w", table, err)
	}
	defer rows.Close()
	name := table
	if dataset != "" && dataset != "temp" {
		name = dataset + "." + table
	}
	out := catalog.Table{Name: name}
	for rows.Next() {
		var c catalog.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return catalog.Table{}, err
		}
		out.Columns = append(out.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return catalog.Table{}, err
	}
	if len(out.Columns) == 0 {
		return catalog.Table{}, fmt.Errorf("duckdb: no table or view %q in schema %q", table, dataset)
	}
	cond, args = schemaFilter(dataset)
	args = append(args, table)
	var n *int64
	if err := e.db.QueryRowContext(ctx, `SELECT max(estimated_size) FROM duckdb_tables() WHERE `+cond+` AND table_name = ?`, args...).Scan(&n); err == nil && n != nil {
		out.RowCount = *n
	}
	return out, nil
}
