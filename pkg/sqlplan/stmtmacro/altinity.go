package stmtmacro

import (
	"fmt"
	"strings"
)

// altinityStatements are the Altinity plugin's statement macros ("functions"
// in its README).
var altinityStatements = map[string]builder{
	"$columns":                    func(x *expansion, s *stmt) error { return x.columns(s, false, "", "") },
	"$columnsMs":                  func(x *expansion, s *stmt) error { return x.columns(s, true, "", "") },
	"$rateColumns":                (*expansion).rateColumns,
	"$rate":                       (*expansion).rate,
	"$perSecond":                  func(x *expansion, s *stmt) error { return x.counter(s, "PerSecond") },
	"$delta":                      func(x *expansion, s *stmt) error { return x.counter(s, "Delta") },
	"$increase":                   func(x *expansion, s *stmt) error { return x.counter(s, "Increase") },
	"$perSecondColumns":           func(x *expansion, s *stmt) error { return x.counterColumns(s, "PerSecond", "perSecondColumns") },
	"$deltaColumns":               func(x *expansion, s *stmt) error { return x.counterColumns(s, "Delta", "deltaColumns") },
	"$increaseColumns":            func(x *expansion, s *stmt) error { return x.counterColumns(s, "Increase", "increaseColumns") },
	"$rateColumnsAggregated":      func(x *expansion, s *stmt) error { return x.aggregated(s, "Rate") },
	"$perSecondColumnsAggregated": func(x *expansion, s *stmt) error { return x.aggregated(s, "PerSecond") },
	"$deltaColumnsAggregated":     func(x *expansion, s *stmt) error { return x.aggregated(s, "Delta") },
	"$increaseColumnsAggregated":  func(x *expansion, s *stmt) error { return x.aggregated(s, "Increase") },
	"$lttb":                       func(x *expansion, s *stmt) error { return x.lttb(s, false) },
	"$lttbMs":                     func(x *expansion, s *stmt) error { return x.lttb(s, true) },
}

// Expressions over the previous row, in the two forms: window functions
// (Altinity's PR #684) and, for servers without them, running functions.
// runningDifference runs over the whole result in the order the inner
// query sorts it (it does not reset per series; keyChanged does that) and
// gives 0 on the first row. The window form follows it exactly: the window
// is ordered by order (the inner query's ORDER BY), one frame over all rows,
// and lagInFrame's default is the current row's value, so the first row's
// difference is 0 (with the default 0 it was the whole value).

// over is the window of the previous-row expressions, ordered by order.
func over(order string) string {
	return " OVER (ORDER BY " + order + " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"
}

// diff is col minus its value in the previous row (0 on the first).
func (x *expansion) diff(col, order string) string {
	if x.e.window {
		return "(" + col + " - lagInFrame(" + col + ",1," + col + ")" + over(order) + ")"
	}
	return "runningDifference(" + col + ")"
}

// secondsSincePrev is the seconds between this row's t (epoch ms) and the
// previous row's (0 on the first row, as runningDifference).
func (x *expansion) secondsSincePrev(order string) string {
	if x.e.window {
		return "((t - lagInFrame(t,1,t)" + over(order) + ")/1000)"
	}
	return "runningDifference(t/1000)"
}

// keyChanged is true on a row whose key differs from the previous row's.
// Without window functions it compares hashes with runningDifference:
// neighbor, which the plugin uses, does not exist in ClickHouse 18.16.
func (x *expansion) keyChanged(key, order string) string {
	if x.e.window {
		return "lagInFrame(" + key + ",1," + key + ")" + over(order) + " != " + key
	}
	return "runningDifference(cityHash64(" + key + ")) != 0"
}

func (x *expansion) timeSeriesMacro(ms bool) (string, string) {
	if ms {
		return "$timeSeriesMs", "$timeFilterMs"
	}
	return "$timeSeries", "$timeFilter"
}

// columns is $columns(key, value) (and the inner query of $rateColumns):
// one row per bucket with groupArray((key, value)).
func (x *expansion) columns(s *stmt, ms bool, prefix, suffix string) error {
	if err := countArgs(s, 2, 2, s.c.name+"(key, value) FROM …"); err != nil {
		return err
	}
	k, v := s.c.args[0], s.c.args[1]
	ka, err := alias(k, s.c.name)
	if err != nil {
		return err
	}
	va, err := alias(v, s.c.name)
	if err != nil {
		return err
	}
	ts, tf := x.timeSeriesMacro(ms)
	fromEnd, groupBy, orderBy := s.end, -1, -1
	if !s.t.isPunct(s.t.next(s.from), "(") {
		groupBy, orderBy = s.top(s.from, kwGroupBy...), s.top(s.from, kwOrderBy...)
		having := s.top(s.from, kwHaving...)
		switch {
		case having >= 0 && orderBy >= 0 && having > orderBy:
			return &Error{Offset: s.t.toks[having].Start, Message: s.c.name + ": ORDER BY must come after HAVING"}
		case groupBy >= 0 && orderBy >= 0 && groupBy > orderBy:
			return &Error{Offset: s.t.toks[groupBy].Start, Message: s.c.name + ": GROUP BY must come before ORDER BY"}
		case groupBy >= 0 && having >= 0 && groupBy > having:
			return &Error{Offset: s.t.toks[groupBy].Start, Message: s.c.name + ": GROUP BY must come before HAVING"}
		}
		for _, i := range []int{groupBy, having, orderBy} {
			if i >= 0 && s.t.toks[i].Start < fromEnd {
				fromEnd = s.t.toks[i].Start
			}
		}
	}
	s.head(prefix + "SELECT t, groupArray((" + ka + ", " + va + ")) AS groupArr FROM (SELECT " + ts + " AS t, " + k.text + ", " + v.text + " ")
	s.timeFilter(tf, fromEnd)
	if groupBy < 0 {
		s.insert(fromEnd, " GROUP BY t, "+ka+" ")
	}
	if orderBy < 0 {
		s.insert(s.end, " ORDER BY t, "+ka)
	}
	s.insert(s.end, ") GROUP BY t ORDER BY t"+suffix)
	return nil
}

// rateColumns is $rateColumns(key, value): $columns with each value divided
// by the seconds since the previous bucket.
func (x *expansion) rateColumns(s *stmt) error {
	// The plugin leaves the array unnamed; naming it groupArr, like
	// $columns' array, changes no value and lets a caller refer to it.
	return x.columns(s, false, "SELECT t, arrayMap(a -> (a.1, a.2/"+x.secondsSincePrev("t")+"), groupArr) AS groupArr FROM (", ")")
}

// rate is $rate(v1 AS a1, …): each value per second of its bucket.
func (x *expansion) rate(s *stmt) error {
	if err := countArgs(s, 1, -1, "$rate(expr AS name, …) FROM …"); err != nil {
		return err
	}
	cols := make([]string, len(s.c.args))
	for i, a := range s.c.args {
		al, err := alias(a, s.c.name)
		if err != nil {
			return err
		}
		cols[i] = al + "/" + x.secondsSincePrev("t") + " " + al + "Rate"
	}
	s.head("SELECT t, " + strings.Join(cols, ", ") + " FROM (SELECT $timeSeries AS t, " + strings.Join(argTexts(s.c.args), ", ") + " ")
	s.timeFilter("$timeFilter", s.end)
	s.insert(s.end, " GROUP BY t ORDER BY t)")
	return nil
}

// counterValue is the per-row value of a counter's kind (PerSecond, Delta,
// Increase) from its bucket maximum m; keyChange ("" for none) marks the
// first row of another key.
func (x *expansion) counterValue(kind, m, keyChange, order string) string {
	d := x.diff(m, order)
	or := ""
	if keyChange != "" {
		or = " OR " + keyChange
	}
	switch kind {
	case "PerSecond":
		return "if(" + d + " < 0" + or + ", nan, " + d + " / " + x.secondsSincePrev(order) + ")"
	case "Increase":
		return "if(" + d + " < 0" + or + ", 0, " + d + ")"
	}
	if keyChange != "" { // Delta
		return "if(" + keyChange + ", 0, " + d + ")"
	}
	return d
}

// counter is $perSecond / $delta / $increase(v1, …) over counters: the
// change of each value's bucket maximum.
func (x *expansion) counter(s *stmt, kind string) error {
	if err := countArgs(s, 1, -1, s.c.name+"(column, …) FROM …"); err != nil {
		return err
	}
	args := make([]string, len(s.c.args))
	cols := make([]string, len(s.c.args))
	for i, a := range s.c.args {
		m := fmt.Sprintf("max_%d", i)
		args[i] = "max(" + a.text + ") AS " + m
		cols[i] = x.counterValue(kind, m, "", "t") + " AS " + m + "_" + kind
	}
	s.head("SELECT t, " + strings.Join(cols, ", ") + " FROM (SELECT $timeSeries AS t, " + strings.Join(args, ", ") + " ")
	s.timeFilter("$timeFilter", s.end)
	s.insert(s.end, " GROUP BY t ORDER BY t)")
	return nil
}

// counterColumns is $perSecondColumns / $deltaColumns /
// $increaseColumns(key, value): the counter per key, one array per bucket.
func (x *expansion) counterColumns(s *stmt, kind, defaultAlias string) error {
	if err := countArgs(s, 2, 2, s.c.name+"(key, value) FROM …"); err != nil {
		return err
	}
	key, al := s.c.args[0].text, defaultAlias
	if i := strings.Index(strings.ToLower(key), " as "); i >= 0 {
		al = strings.TrimSpace(key[i+4:])
	} else {
		key += " AS " + al
	}
	value := "max(" + s.c.args[1].text + ") AS max_0"
	having := s.top(s.from, kwHaving...)
	fromEnd := s.end
	if having >= 0 {
		fromEnd = s.t.toks[having].Start
	}
	s.head("SELECT t, groupArray((" + al + ", max_0_" + kind + ")) AS groupArr FROM (SELECT t, " + al + ", " +
		x.counterValue(kind, "max_0", x.keyChanged(al, al+", t"), al+", t") + " AS max_0_" + kind +
		" FROM (SELECT $timeSeries AS t, " + key + ", " + value + " ")
	s.timeFilter("$timeFilter", fromEnd)
	s.insert(fromEnd, " GROUP BY t, "+al+" ")
	s.insert(s.end, " ORDER BY "+al+", t)) GROUP BY t ORDER BY t")
	return nil
}

// aggregated is $rateColumnsAggregated / $perSecondColumnsAggregated /
// $deltaColumnsAggregated / $increaseColumnsAggregated(key, subkey, agg1,
// value1, …): the counter per subkey, then aggregated per key.
func (x *expansion) aggregated(s *stmt, kind string) error {
	form := s.c.name + "(key, subkey, aggFunction1, value1, …) FROM …"
	if err := countArgs(s, 4, -1, form); err != nil {
		return err
	}
	if len(s.c.args)%2 != 0 {
		return &Error{Offset: s.c.start, Message: fmt.Sprintf("%s takes pairs of aggregate function and value after key and subkey, got %d arguments: write %s", s.c.name, len(s.c.args), form)}
	}
	key, sub := s.c.args[0], s.c.args[1]
	ka := lastWord(key.text)
	sa := lastWord(sub.text)
	var values, finals, aggs []string
	for i := 2; i < len(s.c.args); i += 2 {
		agg, v := s.c.args[i].text, s.c.args[i+1].text
		words := strings.Fields(v)
		if len(words) == 0 {
			return &Error{Offset: s.c.args[i+1].start, Message: s.c.name + ": a value argument is empty"}
		}
		a := words[len(words)-1]
		if len(words) > 1 {
			v = strings.Join(words[:len(words)-1], " ")
			v = strings.TrimSuffix(strings.TrimSuffix(v, " AS"), " as")
		}
		if !strings.Contains(v, "(") {
			v = "max(" + v + ")"
		}
		values = append(values, v+" AS "+a)
		aggs = append(aggs, agg+"("+a+kind+") AS "+a+kind+"Agg")
		// The plugin divides the differences by 1 so that every branch is
		// Float64 (if() of nan and an Int64 has no common type).
		var f string
		order := ka + ", " + sa + ", t"
		d, kc := x.diff(a, order), x.keyChanged(sa, order)
		switch kind {
		case "Rate":
			f = a + " / " + x.secondsSincePrev(order)
		case "PerSecond":
			f = "if(" + d + " < 0 OR " + kc + ", nan, " + d + " / " + x.secondsSincePrev(order) + ")"
		case "Increase":
			f = "if(" + d + " < 0 OR " + kc + ", nan, " + d + " / 1)"
		case "Delta":
			f = "if(" + kc + ", 0, " + d + " / 1)"
		}
		finals = append(finals, f+" AS "+a+kind)
	}
	having := s.top(s.from, kwHaving...)
	fromEnd := s.end
	if having >= 0 {
		fromEnd = s.t.toks[having].Start
	}
	s.head("SELECT t, " + ka + ", " + strings.Join(aggs, ", ") + " FROM (SELECT t, " + ka + ", " + sa + ", " + strings.Join(finals, ", ") +
		" FROM (SELECT $timeSeries AS t, " + key.text + ", " + sub.text + ", " + strings.Join(values, ", ") + " ")
	s.timeFilter("$timeFilter", fromEnd)
	s.insert(fromEnd, " GROUP BY "+ka+", "+sa+", t ")
	s.insert(s.end, " ORDER BY "+ka+", "+sa+", t)) GROUP BY "+ka+", t ORDER BY "+ka+", t")
	return nil
}

func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// lttb is $lttb / $lttbMs(buckets, [columns…,] x, y): the points the
// Largest-Triangle-Three-Buckets aggregate keeps.
func (x *expansion) lttb(s *stmt, ms bool) error {
	if err := countArgs(s, 3, -1, s.c.name+"(buckets, x_column, y AS name) FROM …"); err != nil {
		return err
	}
	if !x.e.lttb {
		return &Error{Offset: s.c.start, Message: fmt.Sprintf(
			"%s needs the lttb aggregate function, which this ClickHouse server does not have (it came in %d.%d): use $columns or a plain query",
			s.c.name, lttbVersion[0], lttbVersion[1])}
	}
	args := s.c.args
	buckets := args[0].text
	if strings.EqualFold(buckets, "auto") {
		if ms {
			buckets = "toUInt64( ($__to - $__from) / " + itoa(x.e.ivMs) + " )"
		} else {
			buckets = "toUInt64( ($to - $from) / $interval )"
		}
	}
	xa, err := alias(args[len(args)-2], s.c.name)
	if err != nil {
		return err
	}
	ya, err := alias(args[len(args)-1], s.c.name)
	if err != nil {
		return err
	}
	extra := ""
	if len(args) > 3 {
		extra = strings.Join(argTexts(args[1:len(args)-2]), ", ") + ", "
	}
	_, tf := x.timeSeriesMacro(ms)
	s.head("SELECT `lttb_result.1` AS " + xa + ", " + extra + "`lttb_result.2` AS " + ya + " FROM (SELECT " + extra +
		"untuple(arrayJoin(lttb(" + buckets + ")(" + args[len(args)-2].text + ", " + args[len(args)-1].text + "))) AS lttb_result ")
	s.timeFilter(tf, s.end)
	s.insert(s.end, ") ORDER BY "+xa)
	return nil
}
