package frames

import "github.com/bigtent/quarry/pkg/sqlplan"

// AutoFormat picks the shape for a query whose format is "auto": time_series
// when the result has a time column and a numeric value column (by the same
// rules the time series shape uses), else table.
func AutoFormat(t *Table) sqlplan.Format {
	if t == nil {
		return sqlplan.FormatTable
	}
	if l, err := detectTimeSeries(t); err == nil && len(l.values) > 0 {
		return sqlplan.FormatTimeSeries
	}
	return sqlplan.FormatTable
}
