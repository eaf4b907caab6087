package oracletest

// ClickHouseForms are ClickHouse forms that look like standard SQL forms
// or are ClickHouse's own, each with what the parser must find. The
// parser's TestClickHouseForms checks each parse; TestClickHouseFormsOnServer
// runs the ones ClickHouse 18.16 has (On1816) on the real server.
var ClickHouseForms = []struct {
	SQL    string
	On1816 bool
	// Want is a node the statement must hold ("Func extract/2": a call of
	// extract with 2 arguments; "Cast CAST", "Lambda 2", "Interval",
	// "Extract", "TableRef final", ...).
	Want string
}{
	{"SELECT extract(s, 'a(b)c') FROM t", true, "Func extract/2"},
	{"SELECT extract(s, 'x') AS e, position(h, 'y') p FROM t WHERE extract(s, 'z') != ''", true, "Func extract/2"},
	{"SELECT EXTRACT(YEAR FROM d) FROM t", true, "Extract"},
	{"SELECT position(h, 'n') FROM t", true, "Func position/2"},
	{"SELECT substring(s, 2), substring(s, 2, 3) FROM t", true, "Func substring/3"},
	{"SELECT trim(BOTH ' ' FROM s) FROM t", false, "Func trim"},
	{"SELECT trim(s) FROM t", false, "Func trim/1"},
	{"SELECT CAST(x AS String) FROM t", true, "Cast CAST"},
	{"SELECT CAST(x, 'String') FROM t", true, "Cast CAST"},
	{"SELECT date_add(day, 1, d) FROM t", false, "Func date_add/3"},
	{"SELECT now() - INTERVAL 5 minute FROM t", true, "Interval"},
	{"SELECT arrayMap(x -> x + 1, arr) FROM t", true, "Lambda 1"},
	{"SELECT arrayMap((x, y) -> x + y, arr, arr) FROM t", true, "Lambda 2"},
	{"SELECT tup.1, tup.2 FROM t", true, "Select 2"},
	{"SELECT a FROM t WHERE b = ?", false, "Param"},
	{"SELECT a, b FROM t ORDER BY a LIMIT 2 BY a", true, "LimitBy"},
	{"SELECT a, x FROM t ARRAY JOIN arr AS x", true, "ArrayJoin"},
	{"SELECT a, x FROM t LEFT ARRAY JOIN arr AS x", true, "ArrayJoin"},
	{"SELECT a FROM t FINAL", true, "TableRef final"},
	{"SELECT a FROM t SAMPLE 0.1", true, "TableRef sample"},
	{"SELECT a FROM t PREWHERE b = 1 WHERE c = 2", true, "Prewhere"},
	{"SELECT a, count() FROM t GROUP BY a WITH TOTALS", true, "GroupBy"},
	{"SELECT a FROM t FORMAT JSON", true, "Format"},
	{"SELECT a FROM t # a comment", false, "Select 1"},
	{"SELECT a FROM t UNION ALL WITH (SELECT max(b) FROM t) AS m SELECT a + m FROM t", true, "With"},
	{"SELECT a FROM t UNION ALL WITH 2 AS k SELECT a * k FROM t ORDER BY a LIMIT 3", true, "With"},
}
