package shared

import (
	"context"
	"testing"
)

type warnings struct{ got [][]any }

func (w *warnings) Warn(msg string, args ...any) { w.got = append(w.got, append([]any{msg}, args...)) }

func TestClientLogFormats(t *testing.T) {
	w := &warnings{}
	clientLog{w}.Printf(context.Background(), "redis: %s failed: %v\n", "dial 127.0.0.1:1", "connection refused")
	if len(w.got) != 1 {
		t.Fatalf("got %d warnings, want 1", len(w.got))
	}
	want := []any{"redis client", "message", "redis: dial 127.0.0.1:1 failed: connection refused"}
	for i := range want {
		if w.got[0][i] != want[i] {
			t.Fatalf("warning = %v, want %v", w.got[0], want)
		}
	}
}
