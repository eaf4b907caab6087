package catalog

import "testing"

func TestLookup(t *testing.T) {
	c := &Catalog{Tables: []Table{
		{Name: "sample.http_requests", Columns: []Column{{Name: "ts", Type: "timestamptz"}, {Name: "Host", Type: "text"}}},
		{Name: "`quarry.sample.events_*`", Partitioning: &Partitioning{Kind: PartitionShards}},
	}}
	cases := []struct {
		name string
		want string
		ok   bool
	}{
		{"sample.http_requests", "sample.http_requests", true},
		{`"sample"."HTTP_REQUESTS"`, "sample.http_requests", true},
		{"http_requests", "sample.http_requests", true},
		{"db.sample.http_requests", "sample.http_requests", true},
		{"quarry.sample.events_*", "`quarry.sample.events_*`", true},
		{"sample.events_*", "`quarry.sample.events_*`", true},
		{"logs", "", false},
	}
	for _, tc := range cases {
		got, ok := c.Lookup(tc.name)
		if ok != tc.ok || (ok && got.Name != tc.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	tbl, _ := c.Lookup("http_requests")
	if col, ok := tbl.Column(`"host"`); !ok || col.Type != "text" {
		t.Errorf("Column(host) = %v, %v", col, ok)
	}
	if _, ok := (*Catalog)(nil).Lookup("x"); ok {
		t.Error("nil catalog found a table")
	}
}
