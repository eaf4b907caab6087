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
// active-part statistics.
func (e *Engine) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	db := dataset
	if db == "" {
		if err := e.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
			return catalog.Table{}, engine.Downstream(wrapError(err, ""))
		}
	}
	out := catalog.Table{Name: db + "." + table}
	var partKey string
	rows, err := e.conn.Query(ctx, "SELECT partition_key FROM system.tables WHERE database = "+quote(db)+" AND name = "+quote(table))
	if err != nil {
		return catalog.Table{}, engine.Downstream(wrapError(err, ""))
	}
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&partKey); err != nil {
			rows.Close()
			return catalog.Table{}, engine.Downstream(err)
		}
	}
	rows.Close()
	if !found {
		return catalog.Table{}, engine.Downstream(fmt.Errorf("table %s.%s not found (or not visible to the user)", db, table))
	}
	if m := partitionKeyRe.FindStringSubmatch(partKey); m != nil {
		if g, ok := partitionFuncs[strings.ToLower(m[1])]; ok {
			out.Partitioning = &catalog.Partitioning{Kind: catalog.PartitionColumn, Column: m[2], Granularity: g}
		}
	}
	// is_in_partition_key and is_in_sorting_key mark the key columns; the
	// position column came later than 18.x, which keeps the natural order.
	where := " FROM system.columns WHERE database = " + quote(db) + " AND table = " + quote(table)
	keys := ", is_in_partition_key, is_in_sorting_key"
	var crows driver.Rows
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
		return catalog.Table{}, engine.Downstream(wrapError(err, ""))
	}
	defer crows.Close()
	for crows.Next() {
		var c catalog.Column
		var inPart, inSort uint8
		if err := crows.Scan(&c.Name, &c.Type, &inPart, &inSort); err != nil {
			return catalog.Table{}, engine.Downstream(err)
		}
		c.PartitionKey, c.SortKey = inPart != 0, inSort != 0
		out.Columns = append(out.Columns, c)
	}
	if stats, err := e.partStats(ctx, [][2]string{{db, table}}); err == nil {
		st := stats[db+"."+table]
		out.RowCount, out.Bytes = int64(st.rows), int64(st.bytes)
	}
	return out, nil
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
