package frames_test

import (
	"encoding/json"
	"testing"

	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestCustomAppendJSON: Custom.AppendJSON writes json.Marshal's bytes.
func TestCustomAppendJSON(t *testing.T) {
	cases := []frames.Custom{
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
// plan types in it.
func TestCustomFieldsKnown(t *testing.T) {
	framestest.CheckFieldNames(t, frames.Custom{}, "Steps", "Warnings", "JobID", "Truncated", "MaxRows", "MaxBytes", "CacheHit")
	framestest.CheckFieldNames(t, sqlplan.Step{}, "Kind", "Detail", "Span")
	framestest.CheckFieldNames(t, sqlplan.Span{}, "Start", "End")
	framestest.CheckFieldNames(t, sqlplan.Warning{}, "Code", "Message", "Line", "Column")
}
