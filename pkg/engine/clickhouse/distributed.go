package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
)

// distributedArgs reads the arguments of a Distributed engine from
// system.tables.engine_full, e.g.
// `Distributed(quarry, db, events_local, cityHash64(host))` or
// `Distributed('quarry', 'db', 'events_local', rand(), 'policy')`: cluster,
// database and local table (identifiers or string literals), then the
// optional sharding key expression. ok is false when engine_full is not a
// Distributed engine.
func distributedArgs(engineFull string) (d catalog.Distribution, ok bool) {
	s := strings.TrimSpace(engineFull)
	if !strings.HasPrefix(s, "Distributed(") {
		return d, false
	}
	s = s[len("Distributed("):]
	args, rest, ok := splitArgs(s)
	if !ok || len(args) < 3 || strings.TrimSpace(rest) != "" && !strings.HasPrefix(strings.TrimSpace(rest), "SETTINGS") {
		return d, false
	}
	d.Cluster = unquoteArg(args[0])
	d.Database = unquoteArg(args[1])
	d.Table = unquoteArg(args[2])
	if len(args) > 3 {
		d.ShardingKey = strings.TrimSpace(args[3])
	}
	return d, d.Cluster != "" && d.Table != ""
}

// splitArgs splits a comma-separated argument list up to its closing
// parenthesis, respecting nested parentheses, brackets and quotes. rest is
// what follows the closing parenthesis.
func splitArgs(s string) (args []string, rest string, ok bool) {
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return nil, "", false
			}
			i = j
		case '(', '[':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				return args, s[i+1:], true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return nil, "", false
}

// unquoteArg removes one level of quotes from an identifier or string
// literal argument (with backslash escapes).
func unquoteArg(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"' || s[0] == '`') && s[len(s)-1] == s[0] {
		return strings.NewReplacer(`\\`, `\`, `\'`, `'`, `\"`, `"`, "\\`", "`").Replace(s[1 : len(s)-1])
	}
	return s
}

// clusterPartStats sums the active parts of the local table of a
// Distributed table over every shard of its cluster (the cluster table
// function reads each shard's system.parts). A server in readonly=1 mode
// refuses table functions; the error says so and the caller notes it.
func (e *Engine) clusterPartStats(ctx context.Context, d catalog.Distribution, current string) (tableStat, int, error) {
	db := d.Database
	if db == "" {
		db = current
	}
	var shards uint64
	if err := e.conn.QueryRow(ctx, "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = "+quote(d.Cluster)).Scan(&shards); err != nil {
		return tableStat{}, 0, fmt.Errorf("reading cluster %s from system.clusters: %w", d.Cluster, err)
	}
	if shards == 0 {
		return tableStat{}, 0, fmt.Errorf("cluster %s is not defined on this server (system.clusters)", d.Cluster)
	}
	var st tableStat
	err := e.conn.QueryRow(ctx, `SELECT sum(rows), sum(data_uncompressed_bytes) FROM cluster(`+quote(d.Cluster)+
		`, system.parts) WHERE active AND database = `+quote(db)+` AND table = `+quote(d.Table)).Scan(&st.rows, &st.bytes)
	if err != nil {
		return tableStat{}, 0, fmt.Errorf("summing the parts of %s.%s over cluster %s: %w", db, d.Table, d.Cluster, err)
	}
	return st, int(shards), nil
}
