package postgres

import (
	"context"

	"github.com/bigtent/quarry/pkg/engine"
)

// functionsSQL lists the callable functions from pg_proc: built-ins and the
// functions of schemas the user may use, with their argument lists and
// result types as the server prints them. Type I/O, trigger and planner
// support functions (internal, cstring, trigger or handler types) and
// procedures are left out: nobody calls them in a SELECT.
const functionsSQL = `
SELECT DISTINCT ON (p.proname, args)
       p.proname::text,
       pg_get_function_arguments(p.oid) AS args,
       COALESCE(pg_get_function_result(p.oid), ''),
       CASE WHEN p.prokind = 'a' THEN 'aggregate' WHEN p.prokind = 'w' THEN 'window'
            WHEN p.proretset THEN 'table' ELSE 'scalar' END,
       COALESCE(obj_description(p.oid, 'pg_proc'), '')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'a', 'w')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND p.prorettype NOT IN ('internal'::regtype, 'cstring'::regtype, 'trigger'::regtype, 'event_trigger'::regtype,
                           'language_handler'::regtype, 'fdw_handler'::regtype, 'index_am_handler'::regtype,
                           'tsm_handler'::regtype, 'table_am_handler'::regtype)
  AND NOT ('internal'::regtype::oid = ANY (p.proargtypes::oid[]))
  AND NOT ('cstring'::regtype::oid = ANY (p.proargtypes::oid[]))
  AND p.proname !~ '^_'
ORDER BY p.proname, args
LIMIT 10000`

// Functions lists the functions the user can call, with signatures
// (engine.FunctionLister).
func (e *Engine) Functions(ctx context.Context) ([]engine.Function, error) {
	e.session.ready(ctx, e.pool)
	rows, err := e.pool.Query(ctx, functionsSQL)
	if err != nil {
		return nil, engine.Downstream(wrapPgError(err, ""))
	}
	defer rows.Close()
	var out []engine.Function
	for rows.Next() {
		var f engine.Function
		var args string
		if err := rows.Scan(&f.Name, &args, &f.Returns, &f.Kind, &f.Description); err != nil {
			return nil, engine.Downstream(err)
		}
		f.Signature = "(" + args + ")"
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, engine.Downstream(wrapPgError(err, ""))
	}
	return out, nil
}
