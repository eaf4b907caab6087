package frames

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestCustomAppendJSON: Custom.AppendJSON writes json.Marshal's bytes.
func TestCustomAppendJSON(t *testing.T) {
	cases := []Custom{
		{},
		{MaxRows: 1_000_000},
		{Truncated: true, MaxRows: 10, MaxBytes: 1 << 20, CacheHit: true, JobID: "job-<1>&2"},
		{Steps: []sqlplan.Step{{Kind: "macro", Detail: "$__timeFilter(ts) → ts >= '2024-01-01'", Span: &sqlplan.Span{Start: 3, End: 19}}, {Kind: "limit", Detail: ""}}},
		{Warnings: []sqlplan.Warning{{Code: "unused_filter", Message: "filter \"host\" <unused>", Line: 2, Column: 7}, {Code: "x", Message: "y"}}},
		{Steps: []sqlplan.Step{{Kind: "k", Detail: "\x00\n\t\"\\"}}, Warnings: []sqlplan.Warning{{Line: -1, Column: 0}}, MaxRows: -5, MaxBytes: -1},
		{Steps: []sqlplan.Step{}, Warnings: []sqlplan.Warning{}, JobID: "j"},
		{Steps: []sqlplan.Step{{Span: &sqlplan.Span{}}}, CacheHit: true},
	}
	for i, c := range cases {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.AppendJSON([]byte(`,"custom":`)); string(got) != `,"custom":`+string(want) {
			t.Errorf("case %d: AppendJSON = %s, want %s", i, got, want)
		}
	}
}

// TestCustomFieldsKnown: AppendJSON writes every field of Custom and of the
// plan types in it; a field added to them must be added there too.
func TestCustomFieldsKnown(t *testing.T) {
	for _, c := range []struct {
		v    any
		want []string
	}{
		{Custom{}, []string{"Steps", "Warnings", "JobID", "Truncated", "MaxRows", "MaxBytes", "CacheHit"}},
		{sqlplan.Step{}, []string{"Kind", "Detail", "Span"}},
		{sqlplan.Span{}, []string{"Start", "End"}},
		{sqlplan.Warning{}, []string{"Code", "Message", "Line", "Column"}},
	} {
		typ := reflect.TypeOf(c.v)
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s fields = %q, want %q", typ, got, c.want)
		}
	}
}
