// Package chdbtest runs SQL on chDB, ClickHouse 26.7 as an in-process
// library, so tests can check the SQL the planner writes for modern
// ClickHouse servers on a real engine. (Debian ships only ClickHouse
// 18.16, which stays the engine of the integration tests; chDB is the
// oracle for the SQL chosen by capability: toStartOfInterval, DateTime64,
// window functions, EXPLAIN ESTIMATE.)
//
// libchdb.so comes from the npm package @chdb/lib-linux-x64-gnu, fetched
// and cached by scripts/fetch-chdb.sh. It is loaded with dlopen at run
// time, so nothing links against it: `go build ./...` works on a machine
// without it, and the plugin binary never imports this package.
//
// chDB allows one connection per process, so a test binary shares one
// session (Shared) whose data lives in a temporary directory of that
// process; tests create the tables they need in a database of their own.
package chdbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the chDB package the scripts fetch (its ClickHouse is 26.7).
const Version = "26.7.3-stable.1"

// Session is one chDB connection. Its methods are safe for concurrent use;
// queries run one at a time.
type Session struct {
	mu  sync.Mutex
	lib *lib
}

// Open loads the library at libPath and opens a session whose data lives
// in dataDir (which must exist; chDB keeps its MergeTree parts there) and
// whose time zone is UTC (as the test ClickHouse 18.16 server's). Only one
// session can be open per process.
//
// The session also knows the one-node clusters of LocalClusters (and the
// macro {cluster}, naming "default"), so a dashboard's cluster('name', t)
// and clusterAllReplicas('{cluster}', t) run: a config file in dataDir
// lists them with the host localhost and a tcp_port equal to the replica's
// port, which makes ClickHouse treat the replica as the local server and
// run its part in process (prefer_localhost_replica) instead of connecting
// to it; clickhouse-local listens on no port.
func Open(libPath, dataDir string) (*Session, error) {
	cfg, err := writeClusterConfig(dataDir)
	if err != nil {
		return nil, err
	}
	l, err := loadLib(libPath, []string{"clickhouse", "--path=" + dataDir,
		"--config-file=" + cfg,
		"--session_timezone=UTC",
		// NaN and infinities as "nan"/"inf" strings instead of null.
		"--output_format_json_quote_denormals=1",
		// 64-bit integers as JSON numbers (decoded without loss below).
		"--output_format_json_quote_64bit_integers=0",
	})
	if err != nil {
		return nil, err
	}
	return &Session{lib: l}, nil
}

// LocalClusters are the cluster names a session knows (system.clusters),
// each one shard of one replica: the session itself. They are the names
// public dashboards use: the official plugin's and Altinity's "default",
// the Altinity operator's "all-sharded" and "all-replicated".
var LocalClusters = []string{"default", "all-sharded", "all-replicated"}

// localPort is the port of the clusters' replica and the session's
// tcp_port: equal, so the replica is the local server (never dialled).
const localPort = 9000

// writeClusterConfig writes the config file naming LocalClusters and the
// {cluster} macro into dir and returns its path.
func writeClusterConfig(dir string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "<clickhouse>\n  <tcp_port>%d</tcp_port>\n  <remote_servers>\n", localPort)
	for _, c := range LocalClusters {
		fmt.Fprintf(&b, "    <%s><shard><replica><host>localhost</host><port>%d</port></replica></shard></%s>\n", c, localPort, c)
	}
	b.WriteString("  </remote_servers>\n  <macros><cluster>default</cluster></macros>\n</clickhouse>\n")
	path := filepath.Join(dir, "quarry-chdb-config.xml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("chdbtest: cluster config: %w", err)
	}
	return path, nil
}

// Close closes the session.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lib.close()
}

// Raw runs one statement and returns its output in the given ClickHouse
// output format. chDB cannot interrupt a running query: ctx is checked
// before the query starts only.
func (s *Session) Raw(ctx context.Context, sql, format string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.lib.query(sql, format)
	if err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	return out, nil
}

// Exec runs statements that return no rows (DDL, INSERT), in order.
func (s *Session) Exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := s.Raw(ctx, q, "TabSeparated"); err != nil {
			return fmt.Errorf("%w\n%s", err, q)
		}
	}
	return nil
}

// Column is a result column: its name and ClickHouse type.
type Column struct {
	Name string
	Type string
}

// Result is a decoded query result.
type Result struct {
	Columns []Column
	// Rows hold typed values (see Query).
	Rows [][]any
}

// Query runs a SELECT (or EXPLAIN) and decodes its rows by column type:
// integers become int64 or uint64 (uint64 only above math.MaxInt64, and
// 128/256-bit integers stay decimal strings), floats float64 (NaN and
// infinities included), Date, Date32, DateTime and DateTime64 time.Time
// (the instant, in the type's zone or UTC), Bool bool, Nullable NULL nil,
// Array and Tuple []any, Map map[string]any; everything else (String,
// Decimal, UUID, Enum, ...) stays the text ClickHouse prints.
func (s *Session) Query(ctx context.Context, sql string) (*Result, error) {
	out, err := s.Raw(ctx, sql, "JSONCompact")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Meta []Column            `json:"meta"`
		Data [][]json.RawMessage `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("chdb: decoding the JSONCompact result: %w", err)
	}
	res := &Result{Columns: doc.Meta, Rows: make([][]any, len(doc.Data))}
	for i, raw := range doc.Data {
		if len(raw) != len(doc.Meta) {
			return nil, fmt.Errorf("chdb: row %d has %d values for %d columns", i, len(raw), len(doc.Meta))
		}
		row := make([]any, len(raw))
		for j, v := range raw {
			x, err := decodeValue(doc.Meta[j].Type, v)
			if err != nil {
				return nil, fmt.Errorf("chdb: row %d column %s (%s): %w", i, doc.Meta[j].Name, doc.Meta[j].Type, err)
			}
			row[j] = x
		}
		res.Rows[i] = row
	}
	return res, nil
}

// decodeValue turns one JSON value of a ClickHouse type into a Go value.
func decodeValue(typ string, raw json.RawMessage) (any, error) {
	typ = strings.TrimSpace(typ)
	if string(raw) == "null" {
		return nil, nil
	}
	if inner, ok := unwrap(typ, "Nullable"); ok {
		return decodeValue(inner, raw)
	}
	if inner, ok := unwrap(typ, "LowCardinality"); ok {
		return decodeValue(inner, raw)
	}
	if args, ok := unwrap(typ, "SimpleAggregateFunction"); ok {
		parts := splitArgs(args)
		return decodeValue(parts[len(parts)-1], raw)
	}
	switch {
	case strings.HasPrefix(typ, "Int") || strings.HasPrefix(typ, "UInt"):
		var n json.Number
		if err := unmarshalNumber(raw, &n); err != nil {
			return nil, err
		}
		if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
			return u, nil
		}
		return n.String(), nil
	case strings.HasPrefix(typ, "Float") || typ == "BFloat16":
		var n json.Number
		if err := unmarshalNumber(raw, &n); err != nil {
			return nil, err
		}
		return strconv.ParseFloat(n.String(), 64)
	case typ == "Bool":
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case typ == "Date" || typ == "Date32":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return time.ParseInLocation("2006-01-02", s, time.UTC)
	case typ == "DateTime" || strings.HasPrefix(typ, "DateTime(") || strings.HasPrefix(typ, "DateTime64("):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		loc := time.UTC
		if z := zoneOf(typ); z != "" {
			l, err := time.LoadLocation(z)
			if err != nil {
				return nil, err
			}
			loc = l
		}
		return time.ParseInLocation("2006-01-02 15:04:05.999999999", s, loc)
	}
	if inner, ok := unwrap(typ, "Array"); ok {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, err := decodeValue(inner, it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if args, ok := unwrap(typ, "Tuple"); ok {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("tuple: %w", err)
		}
		types := splitArgs(args)
		if len(types) != len(items) {
			return nil, fmt.Errorf("tuple of %d types has %d values", len(types), len(items))
		}
		out := make([]any, len(items))
		for i, it := range items {
			t := types[i]
			// A named element: "name Type".
			if sp := strings.IndexByte(t, ' '); sp > 0 && !strings.ContainsAny(t[:sp], "(") {
				t = t[sp+1:]
			}
			v, err := decodeValue(t, it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if args, ok := unwrap(typ, "Map"); ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		parts := splitArgs(args)
		out := make(map[string]any, len(m))
		for k, v := range m {
			x, err := decodeValue(parts[len(parts)-1], v)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	return string(raw), nil // a number or structure of a type not decoded here
}

// unmarshalNumber reads a JSON number, or a quoted one ("nan", "inf" and
// 64-bit integers when the format quotes them).
func unmarshalNumber(raw json.RawMessage, n *json.Number) error {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		switch s {
		case "nan", "-nan":
			s = "NaN"
		case "inf", "+inf":
			s = "+Inf"
		case "-inf":
			s = "-Inf"
		}
		*n = json.Number(s)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("not a number: %s", raw)
	}
	*n = num
	return nil
}

// unwrap returns the argument text of typ when it is name(args).
func unwrap(typ, name string) (string, bool) {
	if strings.HasPrefix(typ, name+"(") && strings.HasSuffix(typ, ")") {
		return typ[len(name)+1 : len(typ)-1], true
	}
	return "", false
}

// splitArgs splits a type's argument list at top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && (i == 0 || s[i-1] != '\\'):
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// zoneOf returns the time zone argument of a DateTime or DateTime64 type,
// or "".
func zoneOf(typ string) string {
	args, ok := unwrap(typ, "DateTime")
	if !ok {
		args, ok = unwrap(typ, "DateTime64")
	}
	if !ok {
		return ""
	}
	for _, a := range splitArgs(args) {
		if strings.HasPrefix(a, "'") && strings.HasSuffix(a, "'") && len(a) >= 2 {
			return a[1 : len(a)-1]
		}
	}
	return ""
}

// ServerVersion returns the ClickHouse version of the library (version()),
// the version to plan for when the SQL runs on this session.
func (s *Session) ServerVersion(ctx context.Context) (string, error) {
	res, err := s.Query(ctx, "SELECT version()")
	if err != nil {
		return "", err
	}
	v, ok := res.Rows[0][0].(string)
	if !ok {
		return "", fmt.Errorf("chdb: version() is %T", res.Rows[0][0])
	}
	return v, nil
}

// PreModernSQL reports whether err is ClickHouse refusing SQL that only
// servers before 20.x accept as written, whatever the planner did: a join
// of subqueries without aliases (ALIAS_REQUIRED, the default
// joined_subquery_requires_alias=1 since 20.x). Dashboards written for
// 18.x carry such SQL; the corpus keeps them for the 18.16 engine.
func PreModernSQL(err error) bool {
	return err != nil && strings.Contains(err.Error(), "(ALIAS_REQUIRED)")
}
