package clickhouse

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
)

// Datasets lists the databases (without system).
func (e *Engine) Datasets(ctx context.Context) ([]string, error) {
	return e.strings(ctx, "SELECT name FROM system.databases WHERE name NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY name")
}

// Tables lists the tables of a database ("" = the current one).
func (e *Engine) Tables(ctx context.Context, dataset string) ([]string, error) {
	db := "currentDatabase()"
	if dataset != "" {
		db = quote(dataset)
	}
	return e.strings(ctx, "SELECT name FROM system.tables WHERE database = "+db+" AND NOT startsWith(name, '.inner') ORDER BY name")
}

// partitionFuncs maps a partition key function to its granularity.
var partitionFuncs = map[string]string{
	"toyyyymm": "MONTH", "tostartofmonth": "MONTH", "toyyyymmdd": "DAY", "todate": "DAY",
	"tostartofday": "DAY", "toyear": "YEAR", "tostartofyear": "YEAR", "tostartofhour": "HOUR", "tomonday": "WEEK",
}

var partitionKeyRe = regexp.MustCompile(`^\s*(\w+)\(\s*` + "`?" + `(\w+)` + "`?" + `\s*\)\s*$`)

// Columns describes a table: columns, partitioning (from partition_key) and
// active-part statistics. For a Distributed table it also names the cluster,
// the local table and the sharding key; the partitioning and key flags are
// the local table's, and the statistics are summed over the shards.
func (e *Engine) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	db := dataset
	if db == "" {
		if err := e.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
			return catalog.Table{}, engine.Downstream(wrapError(err, ""))
		}
	}
	out := catalog.Table{Name: db + "." + table}
	info, found, err := e.tableInfo(ctx, db, table)
	if err != nil {
		return catalog.Table{}, engine.Downstream(wrapError(err, ""))
	}
	if !found {
		return catalog.Table{}, engine.Downstream(fmt.Errorf("table %s.%s not found (or not visible to the user)", db, table))
	}
	keysDB, keysTable := db, table
	if d, ok := distributedArgs(info.engineFull); ok {
		if d.Database == "" {
			d.Database = db
		}
		keysDB, keysTable = d.Database, d.Table
		// The local table on this server carries the keys; a server that is
		// not a shard of its own cluster may not have it.
		if local, ok, err := e.tableInfo(ctx, d.Database, d.Table); err == nil && ok {
			info.partitionKey = local.partitionKey
		}
		if st, shards, err := e.clusterPartStats(ctx, d, db); err == nil {
			d.Shards = shards
			out.RowCount, out.Bytes = int64(st.rows), int64(st.bytes)
		}
		out.Distributed = &d
	}
	if m := partitionKeyRe.FindStringSubmatch(info.partitionKey); m != nil {
		if g, ok := partitionFuncs[strings.ToLower(m[1])]; ok {
			out.Partitioning = &catalog.Partitioning{Kind: catalog.PartitionColumn, Column: m[2], Granularity: g}
		}
	}
	cols, err := e.columns(ctx, db, table)
	if err != nil {
		return catalog.Table{}, engine.Downstream(wrapError(err, ""))
	}
	if keysDB != db || keysTable != table {
		if keyed, err := e.columns(ctx, keysDB, keysTable); err == nil {
			flags := make(map[string]catalog.Column, len(keyed))
			for _, c := range keyed {
				flags[c.Name] = c
			}
			for i := range cols {
				cols[i].PartitionKey, cols[i].SortKey = flags[cols[i].Name].PartitionKey, flags[cols[i].Name].SortKey
			}
		}
	}
	out.Columns = cols
	if out.Distributed == nil {
		if stats, err := e.partStats(ctx, [][2]string{{db, table}}); err == nil {
			st := stats[db+"."+table]
			out.RowCount, out.Bytes = int64(st.rows), int64(st.bytes)
		}
	}
	return out, nil
}

// tableMeta is a table's row of system.tables.
type tableMeta struct {
	engine, engineFull, partitionKey string
}

func (e *Engine) tableInfo(ctx context.Context, db, table string) (tableMeta, bool, error) {
	rows, err := e.conn.Query(ctx, "SELECT engine, engine_full, partition_key FROM system.tables WHERE database = "+quote(db)+" AND name = "+quote(table))
	if err != nil {
		return tableMeta{}, false, err
	}
	defer rows.Close()
	var m tableMeta
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&m.engine, &m.engineFull, &m.partitionKey); err != nil {
			return tableMeta{}, false, err
		}
	}
	return m, found, rows.Err()
}

// columns lists a table's columns with their key flags.
func (e *Engine) columns(ctx context.Context, db, table string) ([]catalog.Column, error) {
	// is_in_partition_key and is_in_sorting_key mark the key columns; the
	// position column came later than 18.x, which keeps the natural order.
	where := " FROM system.columns WHERE database = " + quote(db) + " AND table = " + quote(table)
	keys := ", is_in_partition_key, is_in_sorting_key"
	var (
		crows driver.Rows
		err   error
	)
	for _, q := range []string{
		"SELECT name, type" + keys + where + " ORDER BY position",
		"SELECT name, type" + keys + where,
		"SELECT name, type, 0, 0" + where,
	} {
		if crows, err = e.conn.Query(ctx, q); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	var out []catalog.Column
	for crows.Next() {
		var c catalog.Column
		var inPart, inSort uint8
		if err := crows.Scan(&c.Name, &c.Type, &inPart, &inSort); err != nil {
			return nil, err
		}
		c.PartitionKey, c.SortKey = inPart != 0, inSort != 0
		out = append(out, c)
	}
	return out, crows.Err()
}

func (e *Engine) strings(ctx context.Context, q string) ([]string, error) {
	rows, err := e.conn.Query(ctx, q)
	if err != nil {
		return nil, engine.Downstream(wrapError(err, q))
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
		return nil, engine.Downstream(wrapError(err, q))
	}
	return out, nil
}
