// Package builder maps SQL to the query editor's builder model and back.
//
// Parse reads SQL with the planner's parser (pkg/sqlplan/parser) and walks
// the syntax tree. When every node of the query has a place in the model it
// returns the model; otherwise it returns a *NotFit that says what the
// builder cannot show and where (line and column). It never guesses: an
// unknown node is a refusal, so switching from code to builder never drops
// part of a query. Comments are refused too, since the builder would not
// keep them.
//
// Build writes the model as SQL of one dialect: identifiers quoted when
// they need it (pkg/sqlplan/dialect), values as literals quoted per
// dialect, and template variables ($var, ${var:fmt}) kept as variables.
// Build's output is canonical: Parse(Build(m)) gives m back, and
// Build(Parse(s)) gives s back for any s that Build wrote.
//
// Tests: go test ./pkg/sqlplan/builder compares testdata/cases/<dialect>.sql
// with testdata/golden/<dialect>.txt; -update rewrites the goldens.
package builder

import "fmt"

// Mode is the kind of query the builder shapes. It follows the query's
// format and does not change the SQL's form: a time series has a time group,
// a logs query usually selects the time column first and orders by it.
type Mode string

// The builder modes.
const (
	ModeTable      Mode = "table"
	ModeTimeSeries Mode = "time_series"
	ModeLogs       Mode = "logs"
)

// Aggregate is an aggregate function of a select column.
type Aggregate string

// The aggregates the builder offers. CountDistinct is count(DISTINCT col).
const (
	AggNone          Aggregate = ""
	AggCount         Aggregate = "count"
	AggSum           Aggregate = "sum"
	AggAvg           Aggregate = "avg"
	AggMin           Aggregate = "min"
	AggMax           Aggregate = "max"
	AggCountDistinct Aggregate = "count_distinct"
)

// Aggregates lists the aggregates in the order the editor offers them.
var Aggregates = []Aggregate{AggCount, AggSum, AggAvg, AggMin, AggMax, AggCountDistinct}

// Filter operators.
const (
	OpEq         = "="
	OpNe         = "!="
	OpLt         = "<"
	OpGt         = ">"
	OpLe         = "<="
	OpGe         = ">="
	OpIn         = "IN"
	OpNotIn      = "NOT IN"
	OpLike       = "LIKE"
	OpNotLike    = "NOT LIKE"
	OpIsNull     = "IS NULL"
	OpIsNotNull  = "IS NOT NULL"
	OpTimeFilter = "$__timeFilter"
)

// Operators lists the filter operators in the order the editor offers them.
var Operators = []string{OpTimeFilter, OpEq, OpNe, OpLt, OpGt, OpLe, OpGe, OpIn, OpNotIn, OpLike, OpNotLike, OpIsNull, OpIsNotNull}

// Model is one builder query:
//
//	SELECT [time group,] columns FROM table [WHERE filters AND ...]
//	[GROUP BY [1,] columns] [ORDER BY ...] [LIMIT n]
type Model struct {
	Mode  Mode  `json:"mode"`
	Table Table `json:"table"`
	// Time is the time group, written first in the select list as
	// $__timeGroupAlias(column, interval[, fill]), or $__timeGroup(...) AS
	// alias. With aggregates or group-by columns, GROUP BY starts with 1.
	Time    *TimeGroup `json:"time,omitempty"`
	Columns []Column   `json:"columns"`
	// Filters are joined with AND.
	Filters []Filter `json:"filters,omitempty"`
	// GroupBy lists columns (the time group comes first implicitly).
	GroupBy []string `json:"groupBy,omitempty"`
	OrderBy []Order  `json:"orderBy,omitempty"`
	// Limit is the LIMIT count; nil means no LIMIT.
	Limit *int64 `json:"limit,omitempty"`
}

// Table is the table the query reads: Name in Dataset (BigQuery dataset,
// ClickHouse database, PostgreSQL or DuckDB schema) in Project (BigQuery
// only). Empty Dataset means the connection's default.
type Table struct {
	Project string `json:"project,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	Name    string `json:"name"`
}

// TimeGroup buckets a time column: $__timeGroupAlias(Column, Interval[,
// Fill]) when Alias is empty, else $__timeGroup(...) AS Alias.
type TimeGroup struct {
	Column string `json:"column"`
	// Interval is "$__interval", a template variable ("$bucket"), or a
	// duration written as a string ("5m", "1h", "1d").
	Interval string `json:"interval"`
	// Fill is "", "NULL", "previous" or a number ("0").
	Fill  string `json:"fill,omitempty"`
	Alias string `json:"alias,omitempty"`
}

// Column is one select column: Name (or "*"), an optional aggregate and an
// optional alias. count(*) is {Name: "*", Aggregate: "count"}.
type Column struct {
	Name      string    `json:"name"`
	Aggregate Aggregate `json:"aggregate,omitempty"`
	Alias     string    `json:"alias,omitempty"`
}

// Filter is one WHERE condition: Column Op Value (=, !=, <, >, <=, >=,
// LIKE, NOT LIKE), Column Op (Values) (IN, NOT IN), Column IS [NOT] NULL,
// or $__timeFilter(Column).
type Filter struct {
	Column string  `json:"column"`
	Op     string  `json:"op"`
	Value  *Value  `json:"value,omitempty"`
	Values []Value `json:"values,omitempty"`
}

// ValueKind is the kind of a filter value.
type ValueKind string

// Value kinds. A variable is written as typed ($host, ${host:singlequote});
// Grafana interpolates it before the query runs.
const (
	ValueString   ValueKind = "string"
	ValueNumber   ValueKind = "number"
	ValueVariable ValueKind = "variable"
)

// Value is a filter value: the string's content, the number's text or the
// variable as written.
type Value struct {
	Kind ValueKind `json:"kind"`
	Text string    `json:"text"`
}

// Order is one ORDER BY item: the time group (Time, written as 1), a column,
// or an aggregate of a column (count(*) is Column "*" with AggCount).
type Order struct {
	Time      bool      `json:"time,omitempty"`
	Column    string    `json:"column,omitempty"`
	Aggregate Aggregate `json:"aggregate,omitempty"`
	Desc      bool      `json:"desc,omitempty"`
}

// NotFit says why a query does not fit the builder, and where.
type NotFit struct {
	Reason string `json:"reason"`
	// Line and Column are 1-based (column in characters); 0 when the reason
	// is about the whole text.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Offset is the byte offset in the SQL.
	Offset int `json:"-"`
}

func (e *NotFit) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("the builder cannot show this query: %s (line %d, column %d)", e.Reason, e.Line, e.Column)
	}
	return "the builder cannot show this query: " + e.Reason
}

// hasAggregate reports whether any select column is aggregated.
func (m *Model) hasAggregate() bool {
	for _, c := range m.Columns {
		if c.Aggregate != AggNone {
			return true
		}
	}
	return false
}

// grouped reports whether the query has a GROUP BY clause.
func (m *Model) grouped() bool {
	return len(m.GroupBy) > 0 || m.Time != nil && m.hasAggregate()
}
