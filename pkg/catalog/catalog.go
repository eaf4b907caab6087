// Package catalog describes what an engine knows about its tables: column
// types and partitioning. The planner reads it (type-aware macros, partition
// pruning, pushdown tracing); engines fill it from their schemas.
package catalog

import "strings"

// Catalog is the set of tables the planner may consult. It is the `catalog`
// object of a `quarry plan` request.
type Catalog struct {
	Tables []Table `json:"tables"`
}

// Table is one table or view. Name is as the engine spells it, possibly
// qualified (`project.dataset.table`, `schema.table`, `db.table`). A name
// ending in `*` (BigQuery wildcard, e.g. `dataset.events_*`) describes a
// date-sharded table family.
type Table struct {
	Name         string        `json:"name"`
	Columns      []Column      `json:"columns"`
	Partitioning *Partitioning `json:"partitioning,omitempty"`
	// RowCount and Bytes are optional statistics (used by estimates).
	RowCount int64 `json:"rowCount,omitempty"`
	Bytes    int64 `json:"bytes,omitempty"`
	// Distributed is set for a ClickHouse Distributed table: the cluster and
	// the local table it reads on each shard. Its Partitioning and the key
	// flags of its Columns are the local table's; RowCount and Bytes are
	// summed over the shards.
	Distributed *Distribution `json:"distributed,omitempty"`
}

// Distribution describes a ClickHouse Distributed table.
type Distribution struct {
	Cluster  string `json:"cluster"`
	Database string `json:"database,omitempty"`
	Table    string `json:"table"`
	// ShardingKey is the expression that picks a row's shard on insert
	// (empty when the table has none).
	ShardingKey string `json:"shardingKey,omitempty"`
	// Shards is the number of shards of the cluster, when known.
	Shards int `json:"shards,omitempty"`
}

// Column is one column with its engine-reported type (e.g. "TIMESTAMP",
// "timestamp with time zone", "DateTime64(3)", "Nullable(Date)", "INT64").
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Hint optionally overrides how time macros treat this column:
	// "epoch_s", "epoch_ms", "epoch_us", "epoch_ns", "date", "datetime",
	// "timestamp", "timestamptz".
	Hint string `json:"hint,omitempty"`
	// PartitionKey marks a column of the partition key (BigQuery
	// partitioning column, ClickHouse PARTITION BY), and SortKey one of the
	// sorting key (ClickHouse ORDER BY, BigQuery clustering). Filters on
	// them read less; the editor's pickers mark them.
	PartitionKey bool `json:"partitionKey,omitempty"`
	SortKey      bool `json:"sortKey,omitempty"`
}

// PartitionKind says how a table is partitioned.
type PartitionKind string

// Partitioning kinds.
const (
	// PartitionIngestion is BigQuery ingestion-time partitioning (_PARTITIONTIME / _PARTITIONDATE).
	PartitionIngestion PartitionKind = "ingestion"
	// PartitionColumn is partitioning by a DATE/TIMESTAMP/DATETIME column.
	PartitionColumn PartitionKind = "column"
	// PartitionShards is a family of date-sharded tables (`events_YYYYMMDD`) queried via a wildcard.
	PartitionShards PartitionKind = "shards"
)

// Partitioning describes a table's partitioning.
type Partitioning struct {
	Kind PartitionKind `json:"kind"`
	// Column is the partition column for PartitionColumn.
	Column string `json:"column,omitempty"`
	// Granularity is HOUR, DAY, MONTH or YEAR (default DAY).
	Granularity string `json:"granularity,omitempty"`
}

// Lookup finds a table by name, case-insensitively, ignoring identifier
// quotes. It also matches a qualified catalog name by its unqualified suffix
// and vice versa (`events` matches `sample.events`).
func (c *Catalog) Lookup(name string) (*Table, bool) {
	if c == nil {
		return nil, false
	}
	want := normalize(name)
	for i := range c.Tables {
		if normalize(c.Tables[i].Name) == want {
			return &c.Tables[i], true
		}
	}
	for i := range c.Tables {
		have := normalize(c.Tables[i].Name)
		if strings.HasSuffix(have, "."+want) || strings.HasSuffix(want, "."+have) {
			return &c.Tables[i], true
		}
	}
	return nil, false
}

// Column finds a column by name, case-insensitively.
func (t *Table) Column(name string) (*Column, bool) {
	if t == nil {
		return nil, false
	}
	want := normalize(name)
	for i := range t.Columns {
		if normalize(t.Columns[i].Name) == want {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// normalize lower-cases a name and drops identifier quotes, allocating only
// when it has to change something.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "`\"") {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); i++ {
			if c := s[i]; c != '`' && c != '"' {
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	return strings.ToLower(s)
}
