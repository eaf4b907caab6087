package clickhouse

import (
	"context"
	"strings"

	"github.com/bigtent/quarry/pkg/engine"
)

// optionalFunctionColumns are the columns of system.functions that newer
// servers have (23.x and later); 18.16 has only name and is_aggregate (and
// later case_insensitive and alias_to), so they are read when present.
var optionalFunctionColumns = []string{"syntax", "returned_value", "description"}

// Functions lists system.functions (engine.FunctionLister). Signatures and
// descriptions come from the server when it has them; 18.x says only the
// name and whether the function is an aggregate.
func (e *Engine) Functions(ctx context.Context) ([]engine.Function, error) {
	cols, err := e.strings(ctx, "SELECT name FROM system.columns WHERE database = 'system' AND table = 'functions'")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	sel := []string{"name", "toUInt8(is_aggregate)"}
	for _, c := range optionalFunctionColumns {
		if have[c] {
			sel = append(sel, "toString("+c+")")
		} else {
			sel = append(sel, "''")
		}
	}
	q := "SELECT " + strings.Join(sel, ", ") +
		" FROM system.functions WHERE match(name, '^[A-Za-z_][A-Za-z0-9_]*$') ORDER BY name LIMIT 10000"
	rows, err := e.conn.Query(ctx, q)
	if err != nil {
		return nil, engine.Downstream(wrapError(err, q))
	}
	defer rows.Close()
	var out []engine.Function
	for rows.Next() {
		var (
			f                         engine.Function
			agg                       uint8
			syntax, returns, describe string
		)
		if err := rows.Scan(&f.Name, &agg, &syntax, &returns, &describe); err != nil {
			return nil, engine.Downstream(err)
		}
		f.Kind = engine.FunctionScalar
		if agg != 0 {
			f.Kind = engine.FunctionAggregate
		}
		f.Signature = signatureFrom(f.Name, syntax)
		f.Returns = firstLine(returns)
		f.Description = firstLine(describe)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, engine.Downstream(wrapError(err, q))
	}
	return out, nil
}

// signatureFrom keeps the argument list of a syntax line such as
// "toStartOfInterval(t, INTERVAL x unit[, tz])".
func signatureFrom(name, syntax string) string {
	s := strings.TrimSpace(firstLine(strings.Trim(strings.TrimSpace(syntax), "`")))
	if i := strings.Index(s, "("); i >= 0 && strings.EqualFold(strings.TrimSpace(s[:i]), name) {
		return s[i:]
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
