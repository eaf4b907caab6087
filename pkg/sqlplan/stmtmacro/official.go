package stmtmacro

import (
	"fmt"
	"regexp"
	"strings"
)

// officialStatements are the official ClickHouse plugin's statement macros
// (grafana/clickhouse-datasource, pkg/macros/statement.go). Each takes a
// time column, a key and a value (or buckets, x, y) and returns long rows
// (t, key, value); their time macros are expanded by package macros.
var officialStatements = map[string]builder{
	"$__columns":          func(x *expansion, s *stmt) error { return x.official(s, "") },
	"$__rateColumns":      func(x *expansion, s *stmt) error { return x.official(s, "rate") },
	"$__perSecondColumns": func(x *expansion, s *stmt) error { return x.official(s, "perSecond") },
	"$__increaseColumns":  func(x *expansion, s *stmt) error { return x.official(s, "increase") },
	"$__lttb":             (*expansion).officialLTTB,
}

// splitAlias splits "expr AS alias" at its last top-level AS.
func splitAlias(a string) (string, string) {
	t, err := lex(a)
	if err != nil {
		return a, ""
	}
	depth, at, after := 0, -1, -1
	for i, tk := range t.toks {
		switch {
		case t.isPunct(i, "(") || t.isPunct(i, "["):
			depth++
		case t.isPunct(i, ")") || t.isPunct(i, "]"):
			depth--
		case depth == 0 && t.isWord(i, "AS") && tk.Start > 0:
			at, after = tk.Start, tk.End
		}
	}
	if at < 0 {
		return a, ""
	}
	return strings.TrimSpace(a[:at]), strings.TrimSpace(a[after:])
}

// officialTail finds the clauses of an official statement macro's tail.
type officialTail struct {
	where, whereEnd int // token index of WHERE (-1) and byte end of its condition
	having, orderBy int // byte offsets where they start (s.end when absent)
	limitOrSettings int
}

func (s *stmt) officialTail() (officialTail, error) {
	var o officialTail
	o.where = s.top(s.from, "WHERE")
	if g := s.top(s.from, kwGroupBy...); g >= 0 {
		return o, &Error{Offset: s.t.toks[g].Start, Message: s.c.name + " generates its own GROUP BY: remove the GROUP BY clause from the query"}
	}
	o.having = s.clauseAfter(s.from, kwHaving, kwOrderBy, kwLimit, kwSettings)
	o.orderBy = s.clauseAfter(s.from, kwOrderBy, kwLimit, kwSettings)
	o.limitOrSettings = s.clauseAfter(s.from, kwLimit, kwSettings)
	o.whereEnd = s.clauseAfter(s.from, kwHaving, kwOrderBy, kwLimit, kwSettings)
	return o, nil
}

// addWhere puts $__timeFilter(tc) in the WHERE clause: "WHERE tf AND (cond)".
func (s *stmt) addWhere(o officialTail, tc string) {
	tf := "$__timeFilter(" + tc + ")"
	if o.where >= 0 {
		s.insert(s.t.toks[o.where].End, " "+tf+" AND (")
		s.insert(o.whereEnd, ") ")
		return
	}
	s.insert(o.whereEnd, " WHERE "+tf+" ")
}

// official expands $__columns / $__rateColumns / $__perSecondColumns /
// $__increaseColumns(timeCol, key, value).
func (x *expansion) official(s *stmt, kind string) error {
	if err := countArgs(s, 3, 3, s.c.name+"(time_column, key, value) FROM …"); err != nil {
		return err
	}
	tc := s.c.args[0].text
	kExpr, ka := splitAlias(s.c.args[1].text)
	if ka == "" {
		ka = "metric"
	}
	vExpr, va := splitAlias(s.c.args[2].text)
	if va == "" {
		va = "value"
	}
	o, err := s.officialTail()
	if err != nil {
		return err
	}
	bucket := "$__timeInterval(" + tc + ") AS t, toString(" + kExpr + ") AS " + ka
	userOrder := s.top(s.from, kwOrderBy...) >= 0
	if kind == "" || x.e.window {
		var value string
		const dt = "t - lagInFrame(t, 1, t) OVER w"
		switch kind {
		case "":
			value = vExpr + " AS " + va
		case "rate":
			value = fmt.Sprintf("if((%s) = 0, nan, %s / (%s)) AS %s", dt, vExpr, dt, va)
		case "perSecond":
			d := fmt.Sprintf("(max(%s) - lagInFrame(max(%s), 1, max(%s)) OVER w)", vExpr, vExpr, vExpr)
			value = fmt.Sprintf("if((%s) = 0 OR %s < 0, nan, %s / (%s)) AS %s", dt, d, d, dt, va)
		case "increase":
			d := fmt.Sprintf("(max(%s) - lagInFrame(max(%s), 1, max(%s)) OVER w)", vExpr, vExpr, vExpr)
			value = fmt.Sprintf("if((%s) = 0 OR %s < 0, nan, toFloat64(%s)) AS %s", dt, d, d, va)
		}
		s.head("SELECT " + bucket + ", " + value + " ")
		s.addWhere(o, tc)
		s.insert(o.having, " GROUP BY t, "+ka+" ")
		if kind != "" {
			s.insert(o.orderBy, " WINDOW w AS (PARTITION BY "+ka+" ORDER BY t ASC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ")
		}
		if !userOrder {
			s.insert(o.limitOrSettings, " ORDER BY t, "+ka+" ")
		}
		return nil
	}
	// No window functions: the same values from running functions over the
	// rows sorted by key and time, the first row of each key giving nan.
	dt := "runningDifference(toUInt32(t))"
	first := dt + " = 0 OR runningDifference(cityHash64(" + ka + ")) != 0"
	inner := vExpr + " AS v_0"
	var value string
	switch kind {
	case "rate":
		value = "if(" + first + ", nan, v_0 / " + dt + ")"
	case "perSecond":
		inner = "max(" + vExpr + ") AS v_0"
		value = "if(" + first + " OR runningDifference(v_0) < 0, nan, runningDifference(v_0) / " + dt + ")"
	case "increase":
		inner = "max(" + vExpr + ") AS v_0"
		value = "if(" + first + " OR runningDifference(v_0) < 0, nan, toFloat64(runningDifference(v_0)))"
	}
	s.head("SELECT t, " + ka + ", " + value + " AS " + va + " FROM (SELECT " + bucket + ", " + inner + " ")
	s.addWhere(o, tc)
	s.insert(o.having, " GROUP BY t, "+ka+" ")
	s.insert(o.orderBy, " ORDER BY "+ka+", t) ")
	if !userOrder {
		s.insert(o.limitOrSettings, " ORDER BY t, "+ka+" ")
	}
	return nil
}

var bucketsRe = regexp.MustCompile(`^[0-9]+$`)

// officialLTTB expands $__lttb(buckets, x, y).
func (x *expansion) officialLTTB(s *stmt) error {
	if err := countArgs(s, 3, 3, "$__lttb(buckets, x, y) FROM …"); err != nil {
		return err
	}
	if !x.e.lttb {
		return &Error{Offset: s.c.start, Message: fmt.Sprintf(
			"$__lttb needs the lttb aggregate function, which this ClickHouse server does not have (it came in %d.%d)", lttbVersion[0], lttbVersion[1])}
	}
	b := s.c.args[0]
	buckets := b.text
	if strings.EqualFold(buckets, "auto") {
		n := max(int64(x.e.to.Sub(x.e.from).Seconds())/max(x.e.ivMs/1000, 1), 1)
		buckets = itoa(n)
	} else if !bucketsRe.MatchString(buckets) || strings.Trim(buckets, "0") == "" {
		return &Error{Offset: b.start, Message: fmt.Sprintf("$__lttb buckets must be a positive integer or auto, got %q", buckets)}
	}
	xExpr, xa := splitAlias(s.c.args[1].text)
	if xa == "" {
		xa = fallbackAlias(xExpr, "x")
	}
	yExpr, ya := splitAlias(s.c.args[2].text)
	if ya == "" {
		ya = fallbackAlias(yExpr, "y")
	}
	o, err := s.officialTail()
	if err != nil {
		return err
	}
	s.head(fmt.Sprintf("SELECT point.1 AS %s, point.2 AS %s FROM (SELECT arrayJoin(lttb(%s)(%s, %s)) AS point ", xa, ya, buckets, s.c.args[1].text, s.c.args[2].text))
	s.addWhere(o, xExpr)
	s.insert(s.end, ") ORDER BY "+xa)
	return nil
}

func fallbackAlias(expr, fallback string) string {
	if bareIdent.MatchString(expr) || regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(expr) {
		return expr
	}
	return fallback
}
