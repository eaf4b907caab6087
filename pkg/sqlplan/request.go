package sqlplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/incremental"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// Dialect names a SQL dialect the planner understands.
type Dialect string

// The supported dialects.
const (
	BigQuery   Dialect = "bigquery"
	Postgres   Dialect = "postgres"
	ClickHouse Dialect = "clickhouse"
	DuckDB     Dialect = "duckdb"
)

// Format is the frame shape the caller asked for.
type Format string

// The supported formats.
const (
	FormatTable           Format = "table"
	FormatTimeSeries      Format = "time_series" // wide
	FormatTimeSeriesLong  Format = "time_series_long"
	FormatTimeSeriesMulti Format = "time_series_multi"
	FormatLogs            Format = "logs"
	FormatAnnotations     Format = "annotations"
)

// Request is everything the planner needs for one query. Its JSON form is the
// `quarry plan` / `/plan` request body (see DESIGN.md).
type Request struct {
	Dialect       Dialect   `json:"dialect"`
	RawSQL        string    `json:"rawSql"`
	Format        Format    `json:"format,omitempty"`
	TimeRange     TimeRange `json:"timeRange"`
	IntervalMs    int64     `json:"intervalMs,omitempty"`
	MaxDataPoints int64     `json:"maxDataPoints,omitempty"`
	// Timezone is an IANA name ("Europe/Berlin"), "UTC", or "browser"/"" (UTC).
	Timezone string   `json:"timezone,omitempty"`
	Filters  []Filter `json:"filters,omitempty"`
	// MaxRows is the row cap; 0 means no cap.
	MaxRows int64 `json:"maxRows,omitempty"`
	// ServerVersion selects SQL by capability, e.g. "18.16.1" for ClickHouse.
	ServerVersion string           `json:"serverVersion,omitempty"`
	Catalog       *catalog.Catalog `json:"catalog,omitempty"`
	// Lookup, when Catalog is nil, is asked for the catalog of the tables
	// the query reads once the planner has parsed it (and its guard has
	// accepted it), so that the SQL is parsed once: the plugin fetches the
	// column types there.
	Lookup CatalogLookup `json:"-"`
	// Fill overrides the fill mode of $__timeGroup (e.g. "0", "NULL", "previous").
	Fill string `json:"fill,omitempty"`
	// Variables are the dashboard's template variables with their current
	// values, by name without "$": {"host": ["web-1", "web-2"], "resolution": "5m"}.
	// Grafana replaces them before a panel query reaches the plugin; the CLI,
	// /plan and /estimate take them here so $var, ${var} and [[var]] plan as
	// they will run.
	Variables map[string]VariableValue `json:"variables,omitempty"`
	// Options are the data source's trust allow-lists (allowedFunctions,
	// allowedTableFunctions, allowedSchemas, allowedDatabases,
	// allowedDatasets) and the default database and schema that
	// unqualified names resolve to. The plugin always sets them from the
	// data source's settings; a /plan body cannot widen them.
	guard.Options
	// Incremental asks for the incremental-refresh decision: a plan step of
	// kind "incremental" saying whether the query may be refreshed over the
	// tail of a shifted range only, and why (package incremental).
	Incremental bool `json:"incremental,omitempty"`
	// Altinity holds the Altinity ClickHouse plugin's query settings
	// (database, table, dateTimeColDataType, …) under their own JSON names,
	// for its macros ($table, $timeFilter, $rateColumns, …).
	stmtmacro.Altinity
}

// VariableValue is one template variable's current value. In JSON it is a
// string, number or boolean (one value) or an array of them (a multi-value
// selection, written as a list even with one element).
type VariableValue struct {
	Values []string
	Multi  bool
}

// MarshalJSON writes a single value as a JSON string, a multi-value
// selection as an array.
func (v VariableValue) MarshalJSON() ([]byte, error) {
	if !v.Multi && len(v.Values) == 1 {
		return json.Marshal(v.Values[0])
	}
	vals := v.Values
	if vals == nil {
		vals = []string{}
	}
	return json.Marshal(vals)
}

// UnmarshalJSON reads a string, number or boolean, or an array of them.
func (v *VariableValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		*v = VariableValue{Values: make([]string, 0, len(raw)), Multi: true}
		for _, r := range raw {
			s, err := scalarText(r)
			if err != nil {
				return err
			}
			v.Values = append(v.Values, s)
		}
		return nil
	}
	s, err := scalarText(b)
	if err != nil {
		return err
	}
	*v = VariableValue{Values: []string{s}}
	return nil
}

// scalarText is a JSON string's value, or a number's or boolean's text.
func scalarText(b json.RawMessage) (string, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return "", err
	}
	switch x := x.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("a variable's value is a string, a number, a boolean or an array of them, not %s", string(b))
}

// TimeRange is the dashboard's absolute time range.
type TimeRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Filter is one ad hoc filter. Operators: = != < > <= >= =~ !~ and, with
// Values, =| and !=|.
type Filter struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Value    string   `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
}

// Plan is the planner's output: the final SQL and how it got there.
type Plan struct {
	SQL       string    `json:"sql"`
	Statement string    `json:"statement"` // select, explain, show, describe
	Steps     []Step    `json:"steps"`
	Warnings  []Warning `json:"warnings"`
	// Fill is the fill requested by $__timeGroup(…, fill) (nil when none);
	// the frame layer fills missing buckets at Fill.Interval.
	Fill *Fill `json:"fill,omitempty"`
	// RowCap is the row cap that was applied (maxRows); the planner set LIMIT RowCap+1
	// when LimitAdded is true.
	RowCap     int64 `json:"rowCap,omitempty"`
	LimitAdded bool  `json:"limitAdded,omitempty"`
	// Incremental is the incremental-refresh decision when the request
	// asked for it (Request.Incremental), else nil.
	Incremental *incremental.Decision `json:"-"`
	// Request is the request that produced this plan.
	Request Request `json:"-"`
}

// Step is one edit the planner made, or one thing it refused.
type Step struct {
	Kind   string `json:"kind"` // macro, pushdown, timepushdown, partition, limit, variable, refused, ...
	Detail string `json:"detail"`
	Span   *Span  `json:"span,omitempty"`
}

// Span is a byte range of the original SQL.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Warning is something the user should know about the plan.
type Warning struct {
	Code    string `json:"code"` // e.g. unused_filter, ambiguous_pushdown, macro_in_comment, unreplaced_variable
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// FillMode says how missing time buckets are filled.
type FillMode string

// Fill modes.
const (
	FillNull     FillMode = "null"
	FillPrevious FillMode = "previous"
	FillValue    FillMode = "value"
)

// Fill is a fill request recorded by $__timeGroup(c, interval, fill).
// Months is set for calendar intervals (1M, 3M, 1y ...): buckets are that
// many calendar months in the request's time zone, and Interval is only an
// approximation (30 days a month, 365 a year).
type Fill struct {
	Mode     FillMode      `json:"mode"`
	Value    float64       `json:"value,omitempty"`
	Interval time.Duration `json:"interval"`
	Months   int           `json:"months,omitempty"`
}

// Error is a planner error with a 1-based position in the original SQL.
// Line and Column are 0 when the error is not tied to a position.
type Error struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	// Snippet is the offending line with a caret under the column.
	Snippet string `json:"snippet,omitempty"`
	// Offset is the byte offset of the error.
	Offset int `json:"-"`
	// Steps are the refusals of the trust guard (kind "refused"), one per
	// refused function, table, setting or statement; the first is the
	// error's message and position.
	Steps []Step `json:"steps,omitempty"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}
