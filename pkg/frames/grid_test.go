package frames

import (
	"math"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

func TestResampleAxis(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	local := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02T15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		step     time.Duration
		months   int
		loc      *time.Location
		from, to time.Time
		rows     []time.Time // sorted bucket starts
		want     []time.Time
		wantSlot []int32
	}{
		{
			name: "fixed minutes are epoch-aligned",
			step: time.Minute, from: utc("2026-01-01T00:00:30Z"), to: utc("2026-01-01T00:03:10Z"),
			rows:     []time.Time{utc("2026-01-01T00:01:00Z")},
			want:     []time.Time{utc("2026-01-01T00:00:00Z"), utc("2026-01-01T00:01:00Z"), utc("2026-01-01T00:02:00Z"), utc("2026-01-01T00:03:00Z")},
			wantSlot: []int32{1},
		},
		{
			name: "calendar months in UTC",
			step: 30 * 24 * time.Hour, months: 1, from: utc("2026-01-10T00:00:00Z"), to: utc("2026-04-15T00:00:00Z"),
			rows:     []time.Time{utc("2026-01-01T00:00:00Z"), utc("2026-03-01T00:00:00Z")},
			want:     []time.Time{utc("2026-01-01T00:00:00Z"), utc("2026-02-01T00:00:00Z"), utc("2026-03-01T00:00:00Z"), utc("2026-04-01T00:00:00Z")},
			wantSlot: []int32{0, 2},
		},
		{
			name: "quarters in New York",
			step: 90 * 24 * time.Hour, months: 3, loc: ny, from: local("2026-01-05T00:00"), to: local("2026-08-01T00:00"),
			rows:     []time.Time{local("2026-04-01T00:00")},
			want:     []time.Time{local("2026-01-01T00:00"), local("2026-04-01T00:00"), local("2026-07-01T00:00")},
			wantSlot: []int32{1},
		},
		{
			name: "local days across the spring DST change",
			step: 24 * time.Hour, loc: ny, from: local("2026-03-07T12:00"), to: local("2026-03-10T01:00"),
			rows:     []time.Time{local("2026-03-07T00:00"), local("2026-03-09T00:00")},
			want:     []time.Time{local("2026-03-07T00:00"), local("2026-03-08T00:00"), local("2026-03-09T00:00"), local("2026-03-10T00:00")},
			wantSlot: []int32{0, 2},
		},
		{
			name: "UTC weeks keep the rows' Monday alignment",
			step: 7 * 24 * time.Hour, from: utc("2026-01-05T00:00:00Z"), to: utc("2026-01-20T00:00:00Z"),
			rows:     []time.Time{utc("2026-01-05T00:00:00Z"), utc("2026-01-19T00:00:00Z")},
			want:     []time.Time{utc("2026-01-05T00:00:00Z"), utc("2026-01-12T00:00:00Z"), utc("2026-01-19T00:00:00Z")},
			wantSlot: []int32{0, 2},
		},
		{
			name: "no rows: months start at the month of from",
			step: 30 * 24 * time.Hour, months: 1, from: utc("2026-01-10T00:00:00Z"), to: utc("2026-03-02T00:00:00Z"),
			want: []time.Time{utc("2026-01-01T00:00:00Z"), utc("2026-02-01T00:00:00Z"), utc("2026-03-01T00:00:00Z")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := newGrid(tt.step, tt.months, tt.loc)
			if !ok {
				t.Fatal("no grid")
			}
			times := make([]int64, len(tt.rows))
			order := make([]int32, len(tt.rows))
			for i, r := range tt.rows {
				times[i], order[i] = r.UnixNano(), int32(i)
			}
			slot := make([]int32, len(tt.rows))
			axis, ok := resampleAxis(sqlplan.TimeRange{From: tt.from, To: tt.to}, g, order, times, slot, 1000)
			if !ok {
				t.Fatal("resampleAxis refused the grid")
			}
			if len(axis) != len(tt.want) {
				t.Fatalf("axis has %d buckets, want %d: %v", len(axis), len(tt.want), axisText(axis))
			}
			for i, w := range tt.want {
				if axis[i] != w.UnixNano() {
					t.Errorf("bucket %d = %s, want %s", i, time.Unix(0, axis[i]).UTC(), w.UTC())
				}
			}
			for i, w := range tt.wantSlot {
				if slot[i] != w {
					t.Errorf("row %d in bucket %d, want %d", i, slot[i], w)
				}
			}
		})
	}
}

func TestResampleAxisRefusesHugeGrids(t *testing.T) {
	far := []int64{math.MinInt64 + 1, math.MaxInt64 - 1}
	for _, tc := range []struct {
		step   time.Duration
		months int
	}{{time.Nanosecond, 0}, {time.Hour, 0}, {0, 1}} {
		g, _ := newGrid(tc.step, tc.months, nil)
		slot := make([]int32, 2)
		if _, ok := resampleAxis(sqlplan.TimeRange{}, g, []int32{0, 1}, far, slot, 1000); ok {
			t.Errorf("step %s months %d: a grid across the whole int64 range was accepted", tc.step, tc.months)
		}
	}
}

func axisText(axis []int64) []string {
	out := make([]string, len(axis))
	for i, v := range axis {
		out[i] = time.Unix(0, v).UTC().Format(time.RFC3339)
	}
	return out
}
