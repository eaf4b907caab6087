package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBudgetCheck(t *testing.T) {
	tests := []struct {
		name   string
		budget Budget
		cost   Cost
		want   string // "" = allowed
	}{
		{"no budget", Budget{}, Cost{Bytes: 1 << 40, Kind: CostExact}, ""},
		{"under", Budget{MaxBytes: 1 << 30}, Cost{Bytes: 1 << 20, Kind: CostEstimate}, ""},
		{"bytes over", Budget{MaxBytes: 1 << 30}, Cost{Bytes: 3 << 30, Kind: CostExact}, "estimated 3.0 GiB processed exceeds the budget of 1.0 GiB"},
		{"usd over", Budget{MaxUSD: 0.5}, Cost{USD: 1.25, Kind: CostEstimate}, "estimated cost $1.2500 exceeds the budget of $0.5000"},
		{"rows over upper bound", Budget{MaxRows: 10}, Cost{Rows: 11, Kind: CostUpperBound}, "at most (upper bound) 11 rows exceeds the budget of 10 rows"},
		{"unknown passes", Budget{MaxRows: 10}, Cost{Rows: 11, Kind: CostUnknown}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.budget.Check(tt.cost)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			var be *BudgetError
			if !errors.As(err, &be) || !IsDownstream(err) {
				t.Fatalf("want a downstream *BudgetError, got %T", err)
			}
		})
	}
}

func TestClassifyTimeout(t *testing.T) {
	parent := context.Background()
	ctx, cancel := WithTimeout(parent, 30*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	err := Classify(parent, ctx, 30*time.Millisecond, ctx.Err())
	if err == nil || !strings.Contains(err.Error(), "query exceeded the 30ms timeout set in the data source settings") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "context deadline exceeded") || !IsDownstream(err) {
		t.Fatalf("timeout must read as a timeout and be downstream: %v", err)
	}
	if got := (&TimeoutError{Timeout: 30 * time.Second}).Error(); !strings.HasPrefix(got, "query exceeded the 30s timeout set in the data source settings") {
		t.Fatalf("got %q", got)
	}
}

func TestClassifyCancel(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel := WithTimeout(parent, time.Minute)
	defer cancel()
	cancelParent()
	err := Classify(parent, ctx, time.Minute, context.Canceled)
	var ce *CanceledError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v", err, err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 2 * time.Minute: "2m", time.Hour: "1h", 90 * time.Second: "1m30s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("%v: got %q want %q", d, got, want)
		}
	}
}

func TestQueryFaultCodes(t *testing.T) {
	for _, c := range []struct {
		state string
		want  bool
	}{
		{"42601", true}, {"42P01", true}, {"42703", true}, {"22012", true}, {"0A000", true}, {"21000", true},
		{"42501", false}, {"57014", false}, {"08006", false}, {"53200", false}, {"", false}, {"42", false},
	} {
		if got := PostgresQueryFault(c.state); got != c.want {
			t.Errorf("PostgresQueryFault(%q) = %v, want %v", c.state, got, c.want)
		}
	}
	for _, c := range []struct {
		code int32
		want bool
	}{{62, true}, {47, true}, {60, true}, {164, false}, {159, false}, {241, false}, {0, false}} {
		if got := ClickHouseQueryFault(c.code); got != c.want {
			t.Errorf("ClickHouseQueryFault(%d) = %v, want %v", c.code, got, c.want)
		}
	}
	base := errors.New("bad")
	if err := QueryFault(base); !IsQueryFault(err) || !errors.Is(err, base) || err.Error() != "bad" {
		t.Errorf("QueryFault(%v) = %v: not marked, unwrapped or with its text", base, err)
	}
	if QueryFault(nil) != nil || IsQueryFault(base) {
		t.Error("QueryFault(nil) must stay nil and an unmarked error is no query fault")
	}
}
