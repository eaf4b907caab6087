// Package stmtmacro expands statement macros and the Altinity ClickHouse
// plugin's macros before the planner parses a query.
//
// A statement macro stands where a SELECT list would be and is written
// around the user's FROM clause:
//
//	$rateColumns(OSName, count() c) FROM requests WHERE Type = 200
//
// It expands to a whole query (usually a subquery wrapped in an outer
// SELECT), so it cannot be an in-place macro of package macros: the
// planner must parse the expanded text. Expand runs as a phase before
// parsing and returns that text, the steps to show in the plan and a
// position map, so errors and spans found later in the expanded text can
// be reported at the line and column of the user's original text.
//
// Two families are understood, both only in the ClickHouse dialect:
//
//   - The Altinity plugin (vertamedia-clickhouse-datasource): $columns,
//     $columnsMs, $rate, $rateColumns, $perSecond, $perSecondColumns,
//     $delta, $deltaColumns, $increase, $increaseColumns, the
//     …ColumnsAggregated forms, $lttb and $lttbMs; and its in-place macros
//     $table, $dateCol, $dateTimeCol, $from, $to, $interval, $timeFilter,
//     $timeFilterMs, $timeFilterByColumn(c), $timeFilter64ByColumn(c),
//     $timeSeries, $timeSeriesMs, $naturalTimeSeries, $unescape(…),
//     $adhoc and $conditionalTest(…). Their settings come from the
//     Altinity query model (Altinity).
//   - The official ClickHouse plugin (grafana-clickhouse-datasource):
//     $__columns, $__rateColumns, $__perSecondColumns, $__increaseColumns
//     and $__lttb, whose expansions use $__timeInterval and $__timeFilter,
//     which package macros then expands.
//
// The SQL has the meaning each plugin gives it. Where the plugins use
// window functions (lagInFrame … OVER), servers older than ClickHouse 21.9
// (the release that made window functions generally available) get the
// same values from runningDifference, with a key change found by
// runningDifference(cityHash64(key)) instead of neighbor (which 18.16
// lacks).
package stmtmacro
