package stmtmacro

import (
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"time"
)

// Altinity is the part of the Altinity ClickHouse plugin's query model
// that its macros read. The JSON names are the plugin's own, so a query
// exported from a dashboard that used it keeps its settings.
type Altinity struct {
	// Database and Table make $table (database.table, quoted when needed).
	Database string `json:"database,omitempty"`
	Table    string `json:"table,omitempty"`
	// DateTimeColDataType is the time column ($dateTimeCol); despite its
	// name it holds a column name or expression.
	DateTimeColDataType string `json:"dateTimeColDataType,omitempty"`
	// DateColDataType is the Date column ($dateCol); when set, $timeFilter
	// also filters it.
	DateColDataType string `json:"dateColDataType,omitempty"`
	// DateTimeType is the time column's kind: DATETIME (default),
	// DATETIME64, TIMESTAMP (epoch seconds), TIMESTAMP64_3, TIMESTAMP64_6,
	// TIMESTAMP64_9 (epoch milli/micro/nanoseconds) or FLOAT.
	DateTimeType string `json:"dateTimeType,omitempty"`
	// Round rounds the range bounds down to a multiple of it ("1m", "15s";
	// "$step" means the interval; "" or "0s" means no rounding).
	Round string `json:"round,omitempty"`
	// IntervalFactor multiplies the interval (and Round), at least 1.
	IntervalFactor int `json:"intervalFactor,omitempty"`
	// Interval, when set, replaces the panel interval ("30s", "1m").
	Interval string `json:"interval,omitempty"`
	// SkipComments removes comments from the SQL before it is sent.
	SkipComments *bool `json:"skip_comments,omitempty"`
	// Extrapolate asks the plugin to extrapolate the last point of a
	// "last N" range. Quarry reads it but does not extrapolate; the plan
	// says so.
	Extrapolate *bool `json:"extrapolate,omitempty"`
	// UseWindowFuncForMacros asks for window functions instead of
	// runningDifference/neighbor (Altinity's default since its PR #684).
	// Servers older than 21.9 have no window functions: there Quarry uses
	// runningDifference whatever this says.
	UseWindowFuncForMacros *bool `json:"useWindowFuncForMacros,omitempty"`
}

// IsZero reports whether no Altinity field is set.
func (a Altinity) IsZero() bool { return a == Altinity{} }

// Options is what one expansion needs from the planner request.
type Options struct {
	// Dialect is the planner dialect; only "clickhouse" expands anything.
	Dialect string
	// ServerVersion is the ClickHouse version ("" means modern).
	ServerVersion string
	From, To      time.Time
	IntervalMs    int64
	MaxDataPoints int64
	Altinity      Altinity
	// HasValue reports whether a template variable of this name has a value
	// in the request (such a variable wins over an Altinity macro of the
	// same name, as Grafana replaces it first). It may be nil.
	HasValue func(name string) bool
	// Tokens, when not nil, is token memory Expand reuses for the whole
	// query's tokens (a planner's scratch); nothing in the Result refers
	// to it.
	Tokens *[]lexer.Token
}

// Step is one expansion shown in the plan: Kind is "statement_macro" or
// "altinity_macro"; Start and End are byte offsets of the original text.
type Step struct {
	Kind       string
	Detail     string
	Start, End int
}

// Warning is something the user should know; Offset is a byte offset of the
// original text or -1.
type Warning struct {
	Code    string
	Message string
	Offset  int
}

// Result is an expansion.
type Result struct {
	// SQL is the expanded text; it equals the source when Changed is false.
	SQL      string
	Changed  bool
	Steps    []Step
	Warnings []Warning
	maps     []posMap // one per pass that changed the text, first pass first
}

// Orig maps a byte offset of SQL to the offset of the original text it
// came from: text the expansion copied maps exactly, generated text maps to
// the start of the macro call that produced it.
func (r *Result) Orig(off int) int {
	for i := len(r.maps) - 1; i >= 0; i-- {
		off = r.maps[i].orig(off)
	}
	return off
}

// Error is an expansion error at a byte offset of the original text.
type Error struct {
	Offset  int
	Message string
}

func (e *Error) Error() string { return e.Message }
