package edit

import (
	"errors"
	"testing"
)

func TestApply(t *testing.T) {
	const src = "SELECT a -- keep\nFROM t\nGROUP BY a"
	tests := []struct {
		name  string
		edits []Edit
		want  string
	}{
		{"none", nil, src},
		{"insert where", []Edit{{Start: 23, End: 23, Text: " WHERE x = 1"}}, "SELECT a -- keep\nFROM t WHERE x = 1\nGROUP BY a"},
		{"replace and insert", []Edit{{Start: 7, End: 8, Text: "b"}, {Start: 0, End: 0, Text: "/* q */ "}}, "/* q */ SELECT b -- keep\nFROM t\nGROUP BY a"},
		{"insertions keep order", []Edit{{Start: 23, End: 23, Text: " A"}, {Start: 23, End: 23, Text: " B"}, {Start: 23, End: 23, Text: " C"}}, "SELECT a -- keep\nFROM t A B C\nGROUP BY a"},
		{"insert before replacement at same offset", []Edit{{Start: 7, End: 8, Text: "b"}, {Start: 7, End: 7, Text: "x, "}}, "SELECT x, b -- keep\nFROM t\nGROUP BY a"},
		{"insert at end of replacement", []Edit{{Start: 7, End: 8, Text: "b"}, {Start: 8, End: 8, Text: " AS c"}}, "SELECT b AS c -- keep\nFROM t\nGROUP BY a"},
		{"delete", []Edit{{Start: 8, End: 16}}, "SELECT a\nFROM t\nGROUP BY a"},
		{"append", []Edit{{Start: len(src), End: len(src), Text: " LIMIT 11"}}, src + " LIMIT 11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply(src, tc.edits)
			if err != nil || got != tc.want {
				t.Fatalf("Apply = %q, %v; want %q", got, err, tc.want)
			}
			b := New(src)
			for _, e := range tc.edits {
				if err := b.Add(e); err != nil {
					t.Fatalf("Add(%v): %v", e, err)
				}
			}
			if got := b.String(); got != tc.want {
				t.Fatalf("Buffer = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	const src = "SELECT a FROM t"
	tests := []struct {
		name  string
		edits []Edit
	}{
		{"overlap", []Edit{{Start: 0, End: 6, Text: "x"}, {Start: 5, End: 8, Text: "y"}}},
		{"same range", []Edit{{Start: 7, End: 8, Text: "x"}, {Start: 7, End: 8, Text: "y"}}},
		{"insert inside replacement", []Edit{{Start: 0, End: 6, Text: "x"}, {Start: 3, End: 3, Text: "y"}}},
		{"out of range", []Edit{{Start: 10, End: 99, Text: "x"}}},
		{"negative", []Edit{{Start: -1, End: 0, Text: "x"}}},
		{"reversed", []Edit{{Start: 5, End: 4, Text: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply(src, tc.edits)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("Apply: want a *ConflictError, got %v", err)
			}
			b := New(src)
			var addErr error
			for _, e := range tc.edits {
				if addErr = b.Add(e); addErr != nil {
					break
				}
			}
			if !errors.As(addErr, &ce) {
				t.Fatalf("Add: want a *ConflictError, got %v", addErr)
			}
			if b.String() == "" {
				t.Fatal("a rejected edit must leave the buffer usable")
			}
		})
	}
}

func TestApplyDoesNotModifyInput(t *testing.T) {
	edits := []Edit{{Start: 5, End: 5, Text: "b"}, {Start: 1, End: 1, Text: "a"}}
	if _, err := Apply("0123456", edits); err != nil {
		t.Fatal(err)
	}
	if edits[0].Start != 5 {
		t.Fatal("Apply reordered the caller's slice")
	}
}

func BenchmarkApply(b *testing.B) {
	src := "SELECT $__timeGroup(ts, 1m) AS time, count(*) FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"
	edits := []Edit{{Start: 7, End: 27, Text: "to_timestamp(floor(extract(epoch from ts)/60)*60)"},
		{Start: 79, End: 96, Text: "ts BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-02T00:00:00Z'"},
		{Start: 96, End: 96, Text: " AND \"host\" = 'web-1'"}, {Start: len(src), End: len(src), Text: " LIMIT 1001"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(src, edits); err != nil {
			b.Fatal(err)
		}
	}
}
