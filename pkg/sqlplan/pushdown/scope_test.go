package pushdown

import "testing"

func TestMayHoldQuery(t *testing.T) {
	for text, want := range map[string]bool{
		"":                                    false,
		"WHERE $__timeFilter(ts) AND x = 1":   false,
		"count(*) AS n":                       false,
		"(SELECT 1)":                          true,
		"EXISTS (select 1)":                   true,
		"x IN (WITH a AS (SELECT 1) TABLE a)": true,
		"x IN (VALUES (1))":                   true,
		"(FROM t)":                            true,
		"EXTRACT(hour FROM ts)":               false,
		"f(x) + ((\n\tselect 1))":             true,
		"f(a, (SELECT 1))":                    true,
		"( -- a comment\n SELECT 1)":          true, // a maybe: comments are not read
		"max(selected)":                       true, // a false positive: only costs a walk
		"Sel ect":                             false,
	} {
		if got := mayHoldQuery(text); got != want {
			t.Errorf("mayHoldQuery(%q) = %v", text, got)
		}
	}
}

func TestSplitRef(t *testing.T) {
	type want struct {
		qual, col string
		n         int
	}
	for ref, w := range map[string]want{
		"ts":            {"", "ts", 1},
		"h.ts":          {"h", "ts", 2},
		`"s"."t"."ts"`:  {"t", "ts", 3},
		"`t`.`ts`":      {"t", "ts", 2},
		`"".ts`:         {"", "ts", 2},
		"a.":            {"", "a", 1},
		"":              {"", "", 0},
		"f(x)":          {"", "", 0},
		`"unterminated`: {"", "", 0},
	} {
		q, c, n := splitRef(ref)
		if (want{q, c, n}) != w {
			t.Errorf("splitRef(%q) = %q, %q, %d; want %v", ref, q, c, n, w)
		}
	}
}
