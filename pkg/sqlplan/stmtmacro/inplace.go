package stmtmacro

import (
	"fmt"
	"strconv"
	"time"
)

// convert writes a bound (an epoch-seconds expression) in the time column's
// kind, as the plugin's $timeFilter does.
func (e *env) convert(sec string) string {
	switch e.dtType {
	case "DATETIME":
		return "toDateTime(" + sec + ")"
	case "DATETIME64":
		return "toDateTime64(" + sec + ",3)"
	case "TIMESTAMP64_3":
		return "1000*" + sec
	case "TIMESTAMP64_6":
		return "1000000*" + sec
	case "TIMESTAMP64_9":
		return "1000000000*" + sec
	}
	return sec // TIMESTAMP, FLOAT
}

// convertMs writes a bound given in epoch milliseconds ($timeFilterMs).
func (e *env) convertMs(ms string) string {
	switch e.dtType {
	case "DATETIME":
		return "toDateTime(" + ms + "/1000)"
	case "DATETIME64":
		return "toDateTime64(" + ms + "/1000,3)"
	case "FLOAT":
		return "toFloat64(" + ms + "/1000)"
	case "TIMESTAMP":
		return ms + "/1000"
	case "TIMESTAMP64_6":
		return "1000*" + ms
	case "TIMESTAMP64_9":
		return "1000000*" + ms
	}
	return ms // TIMESTAMP64_3
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (e *env) dateFilter() string {
	d := column(e.a.DateColDataType)
	return d + " >= toDate(" + itoa(e.fromS) + ") AND " + d + " <= toDate(" + itoa(e.toS) + ")"
}

// timeFilter is $timeFilter (ms=false) or $timeFilterMs.
func (e *env) timeFilter(ms bool) string {
	c := column(e.a.DateTimeColDataType)
	var f string
	if ms {
		f = c + " >= " + e.convertMs(itoa(e.from.UnixMilli())) + " AND " + c + " <= " + e.convertMs(itoa(e.to.UnixMilli()))
	} else {
		f = c + " >= " + e.convert(itoa(e.fromS)) + " AND " + c + " <= " + e.convert(itoa(e.toS))
	}
	if e.a.DateColDataType != "" {
		f = e.dateFilter() + " AND " + f
	}
	return f
}

// timeFilterByColumn is $timeFilterByColumn(c) (ms=false) or
// $timeFilter64ByColumn(c), over the widened range.
func (e *env) timeFilterByColumn(c string, ms bool) string {
	from, to := e.extended()
	var lo, hi string
	switch {
	case ms && (e.dtType == "DATETIME" || e.dtType == "DATETIME64"):
		lo, hi = e.convert(itoa(from.UnixMilli())+"/1000"), e.convert(itoa(to.UnixMilli())+"/1000")
	case ms && e.dtType == "FLOAT", ms && e.dtType == "TIMESTAMP":
		lo, hi = itoa(from.UnixMilli())+"/1000", itoa(to.UnixMilli())+"/1000"
	case ms:
		lo, hi = e.convertMs(itoa(from.UnixMilli())), e.convertMs(itoa(to.UnixMilli()))
	case e.dtType == "DATETIME64":
		lo, hi = e.convert(itoa(from.UnixMilli())+"/1000"), e.convert(itoa(to.UnixMilli())+"/1000")
	default:
		lo, hi = e.convert(itoa(from.Unix())), e.convert(itoa(to.Unix()))
	}
	return c + " >= " + lo + " AND " + c + " <= " + hi
}

// timeSeries is $timeSeries (ms=false) or $timeSeriesMs: the bucket start in
// epoch milliseconds.
func (e *env) timeSeries(ms bool) string {
	c := column(e.a.DateTimeColDataType)
	if ms {
		iv := itoa(e.ivMs)
		var x string
		switch e.dtType {
		case "DATETIME":
			x = "toUInt32(" + c + ") * 1000"
		case "DATETIME64":
			x = "toFloat64(" + c + ") * 1000"
		case "TIMESTAMP", "FLOAT":
			x = c + " * 1000"
		case "TIMESTAMP64_6":
			x = c + " / 1000"
		case "TIMESTAMP64_9":
			x = c + " / 1000000"
		default:
			x = c
		}
		return "(intDiv(" + x + ", " + iv + ") * " + iv + ")"
	}
	iv := itoa(e.interval)
	switch e.dtType {
	case "DATETIME":
		return "(intDiv(toUInt32(" + c + "), " + iv + ") * " + iv + ") * 1000"
	case "DATETIME64":
		return "(intDiv(toFloat64(" + c + ") * 1000, (" + iv + " * 1000)) * (" + iv + " * 1000))"
	case "FLOAT":
		return "(intDiv(" + c + " * 1000, (" + iv + " * 1000)) * (" + iv + " * 1000))"
	case "TIMESTAMP64_3":
		return "(intDiv(" + c + ", (" + iv + " * 1000)) * (" + iv + " * 1000))"
	case "TIMESTAMP64_6":
		return "(intDiv(" + c + " / 1000, (" + iv + " * 1000)) * (" + iv + " * 1000))"
	case "TIMESTAMP64_9":
		return "(intDiv(" + c + " / 1000000, (" + iv + " * 1000)) * (" + iv + " * 1000))"
	}
	return "(intDiv(" + c + ", " + iv + ") * " + iv + ") * 1000"
}

// naturalTimeSeries is $naturalTimeSeries: calendar-friendly buckets chosen
// by the range's length.
func (e *env) naturalTimeSeries() string {
	c := column(e.a.DateTimeColDataType)
	if e.dtType != "DATETIME" && e.dtType != "DATETIME64" {
		iv := itoa(e.interval)
		return "(intDiv(" + c + ", " + iv + ") * " + iv + ") * 1000"
	}
	d := time.Duration(e.toS-e.fromS) * time.Second
	day := 24 * time.Hour
	var f string
	switch {
	case d < 20*time.Minute:
		return "toUInt32(" + c + ") * 1000"
	case d < 4*time.Hour:
		f = "toStartOfMinute(" + c + ")"
	case d < day:
		f = "toStartOfFiveMinute(" + c + ")"
	case d < 3*day:
		f = "toStartOfFifteenMinutes(" + c + ")"
	case d < 15*day:
		f = "toStartOfHour(" + c + ")"
	case d < 15*7*day:
		f = "toStartOfDay(" + c + ")"
	case d < 10*30*day:
		f = "toDateTime(toMonday(" + c + "))"
	case d < 6*365*day:
		f = "toDateTime(toStartOfMonth(" + c + "))"
	default:
		f = "toDateTime(toStartOfQuarter(" + c + "))"
	}
	return "toUInt32(" + f + ") * 1000"
}

// table is $table.
func (e *env) table() string {
	t := tableName(e.a.Table)
	if e.a.Database != "" {
		t = tableName(e.a.Database) + "." + t
	}
	return t
}

// need returns an error when the query model lacks a field a macro needs.
func need(field, value, macro string) error {
	if value != "" {
		return nil
	}
	return fmt.Errorf("%s needs %q in the query (the Altinity plugin's %s setting): set it, or write the SQL without %s",
		macro, field, map[string]string{
			"table": "FROM table", "dateTimeColDataType": "Column:DateTime", "dateColDataType": "Column:Date",
		}[field], macro)
}
