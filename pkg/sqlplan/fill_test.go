package sqlplan_test

import (
	"context"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestFillCarriesCalendarMonths checks that a calendar fill interval
// reaches the plan as months, so the frame layer fills calendar months
// instead of 30-day steps.
func TestFillCarriesCalendarMonths(t *testing.T) {
	tests := []struct {
		interval string
		months   int
		approx   time.Duration
	}{
		{"'1h'", 0, time.Hour},
		{"'1w'", 0, 7 * 24 * time.Hour},
		{"'1M'", 1, 30 * 24 * time.Hour},
		{"'3M'", 3, 90 * 24 * time.Hour},
		{"'1y'", 12, 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.interval, func(t *testing.T) {
			plan, err := sqlplan.Build(context.Background(), sqlplan.Request{
				Dialect: "postgres",
				RawSQL:  "SELECT $__timeGroupAlias(ts, " + tt.interval + ", 0), count(*) FROM t GROUP BY 1",
				TimeRange: sqlplan.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
					To: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Fill == nil {
				t.Fatal("no fill in the plan")
			}
			if plan.Fill.Months != tt.months || plan.Fill.Interval != tt.approx {
				t.Errorf("fill = %d months / %s, want %d months / %s", plan.Fill.Months, plan.Fill.Interval, tt.months, tt.approx)
			}
		})
	}
}
