package sqlplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/pushdown"
)

// maxRequestBytes bounds a request body read by DecodeRequest.
const maxRequestBytes = 8 << 20

// DecodeRequest reads one JSON request (the `quarry plan` stdin and the
// /plan resource body) and validates it. Unknown fields are errors, so a
// misspelt option is not silently ignored.
func DecodeRequest(r io.Reader) (Request, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRequestBytes+1))
	if err != nil {
		return Request{}, fmt.Errorf("read request: %w", err)
	}
	if len(b) > maxRequestBytes {
		return Request{}, fmt.Errorf("request is larger than %d bytes", maxRequestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return Request{}, fmt.Errorf("request is not valid JSON for a plan request: %w", err)
	}
	if dec.More() {
		return Request{}, errors.New("request holds more than one JSON value: send exactly one object")
	}
	if err := req.Validate(); err != nil {
		return Request{}, err
	}
	return req, nil
}

// Validate checks a request's fields (not its SQL) and says what to fix.
func (r Request) Validate() error {
	return r.validate(time.LoadLocation)
}

// validate is Validate with the time zone loader load (a Planner's scratch
// remembers the zones it has loaded; time.LoadLocation reads tzdata from
// disk on every call).
func (r Request) validate(load func(string) (*time.Location, error)) error {
	switch r.Dialect {
	case BigQuery, Postgres, ClickHouse, DuckDB:
	case "":
		return errors.New(`request has no "dialect": use bigquery, postgres, clickhouse or duckdb`)
	default:
		return fmt.Errorf("unknown dialect %q: use bigquery, postgres, clickhouse or duckdb", string(r.Dialect))
	}
	if strings.TrimSpace(r.RawSQL) == "" {
		return errors.New(`request has an empty "rawSql"`)
	}
	switch r.Format {
	case "", FormatTable, FormatTimeSeries, FormatTimeSeriesLong, FormatTimeSeriesMulti, FormatLogs, FormatAnnotations:
	default:
		return fmt.Errorf("unknown format %q: use table, time_series, time_series_long, time_series_multi, logs or annotations", string(r.Format))
	}
	if r.TimeRange.From.IsZero() || r.TimeRange.To.IsZero() {
		return errors.New(`request needs "timeRange" with "from" and "to" (RFC 3339 times)`)
	}
	if r.TimeRange.To.Before(r.TimeRange.From) {
		return fmt.Errorf("bad time range: to (%s) is before from (%s)",
			r.TimeRange.To.Format(time.RFC3339), r.TimeRange.From.Format(time.RFC3339))
	}
	if r.IntervalMs < 0 {
		return fmt.Errorf("intervalMs is %d: it must be 0 or positive", r.IntervalMs)
	}
	if r.MaxDataPoints < 0 {
		return fmt.Errorf("maxDataPoints is %d: it must be 0 or positive", r.MaxDataPoints)
	}
	for name := range r.Variables {
		if !validVariableName(name) {
			return fmt.Errorf("variable name %q: a template variable's name is letters, digits and underscores, without \"$\"", name)
		}
	}
	if r.MaxRows < 0 {
		return fmt.Errorf("maxRows is %d: it must be 0 (no cap) or positive", r.MaxRows)
	}
	if tz := r.Timezone; tz != "" && tz != "browser" && tz != "UTC" && tz != "utc" {
		if _, err := load(tz); err != nil {
			return fmt.Errorf("unknown timezone %q: use an IANA name such as Europe/Berlin, or UTC", tz)
		}
	}
	for i, f := range r.Filters {
		if !pushdown.ValidOperator(f.Operator) {
			return fmt.Errorf("filter %d (key %q): unknown operator %q: use one of %s",
				i+1, f.Key, f.Operator, strings.Join(pushdown.Operators, " "))
		}
		if _, err := pushdown.KeyParts(f.Key); err != nil {
			return fmt.Errorf("filter %d: %w", i+1, err)
		}
		multi := f.Operator == "=|" || f.Operator == "!=|"
		if !multi && len(f.Values) > 0 {
			return fmt.Errorf("filter %d (key %q): operator %q takes \"value\", not \"values\" (use =| or !=| for lists)",
				i+1, f.Key, f.Operator)
		}
	}
	return r.Options.Validate()
}

// ErrorReply is the JSON body of a failed plan: {"error": {...}}.
type ErrorReply struct {
	Error *Error `json:"error"`
}

// AsError returns err as a *Error: the planner's own error when err wraps
// one, else an Error with err's message and no position.
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Message: err.Error()}
}

// validVariableName reports whether s is a template variable name.
func validVariableName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
