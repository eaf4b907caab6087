//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/engine"
)

// functionsSQL reads duckdb_functions(): one row per overload, with its
// parameter names and types, result type and description. Operators ("+",
// "~~") are left out.
const functionsSQL = `
SELECT function_name, function_type,
       array_to_string(list_transform(range(len(parameters)),
           i -> parameters[i + 1] || COALESCE(' ' || parameter_types[i + 1], '')), ', ') AS args,
       COALESCE(return_type, ''), COALESCE(description, '')
FROM duckdb_functions()
WHERE function_type IN ('scalar', 'aggregate', 'table', 'macro', 'table_macro')
  AND regexp_matches(function_name, '^[A-Za-z_][A-Za-z0-9_]*$')
  AND NOT starts_with(function_name, '__')
ORDER BY function_name, args
LIMIT 10000`

// Functions lists duckdb_functions() (engine.FunctionLister).
func (e *Engine) Functions(ctx context.Context) ([]engine.Function, error) {
	if !e.enter() {
		return nil, errClosed
	}
	defer e.inflight.Done()
	rows, err := e.db.QueryContext(ctx, functionsSQL)
	if err != nil {
		return nil, fmt.Errorf("duckdb: listing functions: %w", err)
	}
	defer rows.Close()
	var out []engine.Function
	seen := map[string]bool{}
	for rows.Next() {
		var f engine.Function
		var kind, args string
		if err := rows.Scan(&f.Name, &kind, &args, &f.Returns, &f.Description); err != nil {
			return nil, fmt.Errorf("duckdb: listing functions: %w", err)
		}
		f.Signature = "(" + args + ")"
		switch kind {
		case "aggregate":
			f.Kind = engine.FunctionAggregate
		case "table", "table_macro":
			f.Kind = engine.FunctionTable
		default:
			f.Kind = engine.FunctionScalar
		}
		key := f.Name + f.Signature
		if seen[key] {
			continue
		}
		seen[key] = true
		f.Description = strings.TrimSpace(f.Description)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: listing functions: %w", err)
	}
	return out, nil
}
