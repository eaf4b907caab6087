package frames

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

func TestAutoFormat(t *testing.T) {
	cases := []struct {
		name  string
		specs []ColumnSpec
		want  sqlplan.Format
	}{
		{"time and value", []ColumnSpec{{Name: "time", Kind: KindTime}, {Name: "v", Kind: KindFloat64}}, sqlplan.FormatTimeSeries},
		{"time, label and decimal value", []ColumnSpec{{Name: "ts", Kind: KindTime}, {Name: "host", Kind: KindString}, {Name: "n", Kind: KindNumeric}}, sqlplan.FormatTimeSeries},
		{"time without a number", []ColumnSpec{{Name: "time", Kind: KindTime}, {Name: "msg", Kind: KindString}}, sqlplan.FormatTable},
		{"numbers without time", []ColumnSpec{{Name: "host", Kind: KindString}, {Name: "n", Kind: KindInt64}}, sqlplan.FormatTable},
		{"epoch column named time", []ColumnSpec{{Name: "time", Kind: KindInt64}, {Name: "n", Kind: KindInt64}}, sqlplan.FormatTimeSeries},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tbl := NewTable(c.specs, TableOptions{})
			if got := AutoFormat(tbl); got != c.want {
				t.Errorf("AutoFormat = %s, want %s", got, c.want)
			}
		})
	}
	if got := AutoFormat(nil); got != sqlplan.FormatTable {
		t.Errorf("AutoFormat(nil) = %s", got)
	}
}
