package plugin

import "github.com/bigtent/quarry/pkg/sqlplan/macros"

// MacroDoc documents one macro for the editor's autocomplete (/macros).
type MacroDoc struct {
	Name        string   `json:"name"`
	Args        []string `json:"args"`
	Description string   `json:"description"`
	Example     string   `json:"example"`
}

// macroDocs lists the planner's macros. The planner (pkg/sqlplan/macros) is
// the source of truth for which names exist: a test checks every entry with
// macros.Known, and only known names are served.
func macroDocs() []MacroDoc {
	all := []MacroDoc{
		{"$__time", []string{"column"}, "The column as the frame's time: `column AS time`, converted from DATE, DATETIME or epoch types.", "SELECT $__time(ts), requests FROM sample.http_requests"},
		{"$__timeEpoch", []string{"column"}, "The column as epoch seconds named time.", "SELECT $__timeEpoch(ts), requests FROM sample.http_requests"},
		{"$__timeFilter", []string{"column"}, "A range predicate on the column for the dashboard's time range, correct for the column's type.", "WHERE $__timeFilter(ts)"},
		{"$__timeFilter_ms", []string{"column"}, "A range predicate on a column of epoch milliseconds (ClickHouse plugin compatible).", "WHERE $__timeFilter_ms(event_ms)"},
		{"$__timeFrom", []string{"[column]"}, "Without argument the range start as a time literal; with a column the predicate column >= start.", "WHERE ts >= $__timeFrom()"},
		{"$__timeTo", []string{"[column]"}, "Without argument the range end as a time literal; with a column the predicate column <= end.", "WHERE ts <= $__timeTo()"},
		{"$__timeGroup", []string{"column", "interval", "[fill]"}, "Buckets the column by interval ($__interval, '5m', '1d', '1M'); fill NULL, previous or a number fills missing buckets. Day and longer buckets follow the dashboard timezone.", "SELECT $__timeGroup(ts, $__interval, 0) AS time, sum(requests) FROM sample.http_requests GROUP BY 1"},
		{"$__timeGroupAlias", []string{"column", "interval", "[fill]"}, "$__timeGroup named time.", "SELECT $__timeGroupAlias(ts, '1h'), count(*) FROM sample.logs GROUP BY 1"},
		{"$__unixEpochFilter", []string{"column"}, "A range predicate on a column of epoch seconds.", "WHERE $__unixEpochFilter(event_s)"},
		{"$__unixEpochFrom", nil, "The range start in epoch seconds.", "WHERE event_s >= $__unixEpochFrom()"},
		{"$__unixEpochTo", nil, "The range end in epoch seconds.", "WHERE event_s <= $__unixEpochTo()"},
		{"$__unixEpochNanoFilter", []string{"column"}, "A range predicate on a column of epoch nanoseconds.", "WHERE $__unixEpochNanoFilter(ts_ns)"},
		{"$__unixEpochNanoFrom", nil, "The range start in epoch nanoseconds.", "WHERE ts_ns >= $__unixEpochNanoFrom()"},
		{"$__unixEpochNanoTo", nil, "The range end in epoch nanoseconds.", "WHERE ts_ns <= $__unixEpochNanoTo()"},
		{"$__unixEpochGroup", []string{"column", "interval", "[fill]"}, "Buckets a column of epoch seconds by interval.", "SELECT $__unixEpochGroup(event_s, '1h') AS time, count(*) FROM sample.events GROUP BY 1"},
		{"$__unixEpochGroupAlias", []string{"column", "interval", "[fill]"}, "$__unixEpochGroup named time.", "SELECT $__unixEpochGroupAlias(event_s, '1h'), count(*) FROM sample.events GROUP BY 1"},
		{"$__interval", nil, "The panel's interval as a duration ('1m'); accepted as a $__timeGroup interval.", "$__timeGroup(ts, $__interval)"},
		{"$__interval_ms", nil, "The panel's interval in milliseconds.", "SELECT $__interval_ms AS step"},
		{"$__interval_s", nil, "The panel's interval in seconds.", "SELECT $__interval_s AS step"},
		{"$__from", nil, "The range start in epoch milliseconds (also ${__from:date:iso} and other formats).", "WHERE event_ms >= $__from"},
		{"$__to", nil, "The range end in epoch milliseconds.", "WHERE event_ms <= $__to"},
		{"$__range", nil, "The length of the range as a duration.", "SELECT $__range AS span"},
		{"$__range_s", nil, "The length of the range in seconds.", "SELECT count(*) / $__range_s AS per_second FROM sample.logs WHERE $__timeFilter(ts)"},
		{"$__range_ms", nil, "The length of the range in milliseconds.", "SELECT $__range_ms AS span_ms"},
		{"$__dateFilter", []string{"column"}, "A range predicate on a DATE column, by whole days.", "WHERE $__dateFilter(event_date)"},
		{"$__timezone", nil, "The dashboard's timezone as a string literal.", "SELECT $__timezone AS tz"},
		{"$__adHocFilters", nil, "Where ad hoc filters go (overrides automatic placement); TRUE when there are none.", "WHERE $__adHocFilters AND status >= 500"},
		{"$__dateTimeFilter", []string{"dateColumn", "timeColumn"}, "Filters on a date column (partition pruning) and a time column (ClickHouse plugin compatible).", "WHERE $__dateTimeFilter(event_date, event_time)"},
		{"$__dt", []string{"dateColumn", "timeColumn"}, "Alias of $__dateTimeFilter.", "WHERE $__dt(event_date, event_time)"},
		{"$__fromTime", nil, "The range start as a DateTime literal (ClickHouse plugin compatible).", "WHERE ts >= $__fromTime"},
		{"$__toTime", nil, "The range end as a DateTime literal.", "WHERE ts <= $__toTime"},
		{"$__fromTime_ms", nil, "The range start as a millisecond DateTime64 literal.", "WHERE ts >= $__fromTime_ms"},
		{"$__toTime_ms", nil, "The range end as a millisecond DateTime64 literal.", "WHERE ts <= $__toTime_ms"},
		{"$__timeInterval", []string{"column"}, "Buckets the column by the panel interval in seconds (ClickHouse plugin compatible).", "SELECT $__timeInterval(ts) AS time, count(*) FROM sample.logs GROUP BY 1"},
		{"$__timeInterval_ms", []string{"column"}, "Buckets the column by the panel interval in milliseconds.", "SELECT $__timeInterval_ms(ts) AS time, count(*) FROM sample.logs GROUP BY 1"},
		{"$__conditionalAll", []string{"condition", "$variable"}, "The condition, or 1=1 when the variable is All or empty (works in alert rules too).", "WHERE $__conditionalAll(host IN (${host:sqlstring}), $host)"},
	}
	out := make([]MacroDoc, 0, len(all))
	for _, m := range all {
		if macros.Known(m.Name) {
			if m.Args == nil {
				m.Args = []string{}
			}
			out = append(out, m)
		}
	}
	return out
}
