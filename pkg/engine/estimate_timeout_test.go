package engine

import (
	"context"
	"testing"
	"time"
)

func TestEstimateTimeout(t *testing.T) {
	if got := EstimateTimeout(context.Background(), 30*time.Second); got != 30*time.Second {
		t.Errorf("no deadline: %v, want the configured 30s", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got := EstimateTimeout(ctx, 30*time.Second); got > 10*time.Second || got < 9*time.Second {
		t.Errorf("deadline in 10s, configured 30s: %v, want about 10s (the data source's queryTimeout)", got)
	}
	if got := EstimateTimeout(ctx, 5*time.Second); got != 5*time.Second {
		t.Errorf("deadline in 10s, configured 5s: %v", got)
	}
	if got := EstimateTimeout(ctx, 0); got > 10*time.Second || got < 9*time.Second {
		t.Errorf("no configured timeout: %v", got)
	}
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if got := EstimateTimeout(past, 30*time.Second); got <= 0 || got > time.Millisecond {
		t.Errorf("deadline passed: %v, want a tiny positive timeout", got)
	}
}
