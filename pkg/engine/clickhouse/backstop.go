package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// The engine's backstop (the second trust layer, below the planner's guard).
//
// ClickHouse's readonly setting has three levels: 0 allows everything; 2
// forbids writes but lets a query change any setting except readonly (so a
// query's own SETTINGS can raise max_execution_time and every other limit,
// and table functions such as url() and remote() run); 1 forbids writes,
// SET, query-level SETTINGS that change a value, and (on 18.16, and for
// every table function that reads outside the server on newer versions)
// table functions. Settings sent with a query over the native protocol are
// applied against the user's level before the query runs, all at once.
//
// So, by the user's level:
//   - 0: each query is sent with readonly=1 and max_execution_time: from
//     then on the query's own SETTINGS and SET are refused by the server,
//     and so are table functions.
//   - 1: nothing is sent (the server would ignore or refuse it): the limits
//     are the profile's, and the query cannot change them.
//   - 2: only max_execution_time is sent, and a query's SETTINGS can raise
//     it: Health warns (18.16 has no settings constraints; newer servers
//     should use a profile with readonly=1 or constraints, README).
//
// Under readonly=1 a query cannot carry even the settings the planner
// allows (max_threads, join_use_nulls, …). At level 0 the engine therefore
// lifts the query's trailing SETTINGS clause into the settings it sends,
// when every key is on the guard's allow-list and every value a plain
// literal; anything else stays in the SQL, where the server refuses it.

// backstopLimits are the settings a query must not raise; Health checks
// whether the user can change them.
var backstopLimits = []string{"readonly", "max_execution_time", "max_result_rows", "max_result_bytes",
	"max_memory_usage", "max_bytes_to_read", "max_rows_to_read", "allow_ddl"}

// querySettings are the settings sent with a query for the user's readonly
// level, plus the lifted ones.
func querySettings(level int, timeout time.Duration, lifted ch.Settings) ch.Settings {
	s := ch.Settings{}
	if level == 1 {
		return s
	}
	if level == 0 {
		for k, v := range lifted {
			s[k] = v
		}
		s["readonly"] = 1
	}
	if timeout > 0 {
		s["max_execution_time"] = int(math.Ceil((timeout + time.Second).Seconds()))
	}
	return s
}

// liftSettings moves the trailing SETTINGS clause of sql's statement into
// settings, blanking it in the SQL (byte offsets, and so the server's error
// positions, stay the same). It lifts only when every key is one the guard
// allows and every value a plain literal the protocol can carry: on servers
// whose protocol sends settings as numbers (before revision 54429), only
// non-negative integers. Otherwise sql comes back unchanged and the server
// judges the clause (and refuses it under readonly=1).
func liftSettings(sql string, stringSettings bool) (string, ch.Settings) {
	if !mentionsSettings(sql) {
		return sql, nil // no clause to lift: not parsed again
	}
	script, err := parser.Parse(sql, sqlplan.ClickHouse)
	if err != nil || script == nil || len(script.Statements) != 1 {
		return sql, nil
	}
	q := script.Statements[0].Query
	if q == nil || q.Settings == nil || len(q.Settings.Items) == 0 {
		return sql, nil
	}
	out := ch.Settings{}
	for _, it := range q.Settings.Items {
		if !guard.SettingAllowed("clickhouse", it.Name.Name) {
			return sql, nil
		}
		lit, ok := it.Value.(*ast.Literal)
		if !ok || lit.Type != (ast.Span{}) {
			return sql, nil
		}
		text := sql[lit.Start:lit.End]
		switch lit.Kind {
		case ast.LitNumber:
			n, err := strconv.ParseUint(text, 10, 63)
			if err != nil {
				if !stringSettings {
					return sql, nil
				}
				out[it.Name.Name] = text
				continue
			}
			out[it.Name.Name] = int(n)
		case ast.LitString:
			inner := text[1 : len(text)-1]
			if !stringSettings || len(text) < 2 || text[0] != '\'' || strings.ContainsAny(inner, `\'`) {
				return sql, nil
			}
			out[it.Name.Name] = inner
		default:
			return sql, nil
		}
	}
	s := q.Settings.Span
	return sql[:s.Start] + strings.Repeat(" ", s.End-s.Start) + sql[s.End:], out
}

// mentionsSettings reports whether sql contains "settings" in any case.
func mentionsSettings(sql string) bool {
	const word = "settings"
	for i := 0; i+len(word) <= len(sql); i++ {
		if sql[i]|0x20 == 's' && strings.EqualFold(sql[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// stringSettings reports whether the protocol with this server sends
// settings as strings (clickhouse-go encodes them as numbers up to
// revision 54429).
func stringSettings(v *driver.ServerVersion) bool { return v != nil && v.Revision > 54429 }

// readonlyHint explains the server's READONLY refusals that the backstop
// causes.
func readonlyHint(msg string) string {
	switch {
	case strings.Contains(msg, "Table functions are forbidden in readonly mode"):
		return "Quarry runs every query with readonly=1, under which this ClickHouse version refuses table functions; read system tables instead (system.numbers for numbers())"
	case strings.Contains(msg, "Cannot execute SET query in readonly mode"), strings.Contains(msg, "in readonly mode"):
		return "Quarry runs every query with readonly=1, so a query may not change settings; only a trailing SETTINGS clause whose keys the planner allows (max_threads, join_use_nulls, …) with plain literal values is passed on"
	}
	return ""
}

// limitsChangeable names the limits the user may change, by readonly level:
// with readonly=1 none; otherwise those a settings constraint does not fix
// (system.settings columns readonly / max on servers with constraints,
// ClickHouse 19.14 and later; 18.16 has none, so every limit is changeable).
func (e *Engine) limitsChangeable(ctx context.Context, level int) []string {
	if level == 1 {
		return nil
	}
	list := "'" + strings.Join(backstopLimits, "', '") + "'"
	rows, err := e.conn.Query(ctx, "SELECT name, toUInt8(readonly), toString(ifNull(max, '')) FROM system.settings WHERE name IN ("+list+")")
	if err != nil {
		// No constraint columns (18.16): everything but readonly itself at level 2.
		return changeable(level, nil)
	}
	defer rows.Close()
	fixed := map[string]bool{}
	for rows.Next() {
		var (
			name, max string
			ro        uint8
		)
		if err := rows.Scan(&name, &ro, &max); err != nil {
			return changeable(level, nil)
		}
		fixed[name] = ro == 1 || max != ""
	}
	if rows.Err() != nil {
		return changeable(level, nil)
	}
	return changeable(level, fixed)
}

// changeable is limitsChangeable's decision: the limits not fixed by a
// constraint; at level 2 readonly itself is fixed.
func changeable(level int, fixed map[string]bool) []string {
	var out []string
	for _, n := range backstopLimits {
		if fixed[n] || (level == 2 && n == "readonly") {
			continue
		}
		out = append(out, n)
	}
	return out
}

// backstopWarning is Health's warning for a user that may change limits.
func backstopWarning(level int, names []string) string {
	if len(names) == 0 {
		return ""
	}
	switch level {
	case 0:
		return fmt.Sprintf(". Warning: the user's profile has readonly=0, so the account itself may write and change %s; Quarry sends readonly=1 with every query, but connect as a read-only user (README, Security)", strings.Join(names, ", "))
	default:
		return fmt.Sprintf(". Warning: the user's profile has readonly=%d without settings constraints, so a query's own SETTINGS can raise %s and table functions such as url() or remote() run on the server; use a profile with readonly=1, or constraints on newer servers (README, Security)", level, strings.Join(names, ", "))
	}
}

// noDeadline is a context that ends like its parent but reports no
// deadline. clickhouse-go turns a context deadline into a
// max_execution_time setting of its own (remaining time + 5 s) on every
// query, which overrides the backstop's and which a readonly=1 user on a
// current server may not send at all ("Cannot modify 'max_execution_time'
// setting in readonly mode", clickhouse-go issue #1748). The timeout still
// ends the query: the driver cancels it when Done closes.
type noDeadline struct{ context.Context }

func (noDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }

// conn is the driver connection with every query's context stripped of its
// deadline (noDeadline); settings are only those Quarry sets.
type conn struct{ driver.Conn }

func (c conn) Select(ctx context.Context, dest any, query string, args ...any) error {
	return c.Conn.Select(noDeadline{ctx}, dest, query, args...)
}

func (c conn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	return c.Conn.Query(noDeadline{ctx}, query, args...)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return c.Conn.QueryRow(noDeadline{ctx}, query, args...)
}

func (c conn) Exec(ctx context.Context, query string, args ...any) error {
	return c.Conn.Exec(noDeadline{ctx}, query, args...)
}
