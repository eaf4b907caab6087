package plugin

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

// syncBuffer is a bytes.Buffer safe for the flush timer's goroutine, which
// counts the writes it gets.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) get() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

// TestLineWriter: lines below error wait for the batch (one write for
// many lines), in order; an error line goes out at once with the lines
// before it; Flush empties the batch.
func TestLineWriter(t *testing.T) {
	out := &syncBuffer{}
	w := newLineWriter(out, time.Hour) // the timer never fires here
	l := newLogger(log.Info, w)
	l.Debug("not written at info")
	for i := range 5 {
		l.Info("request", "n", i)
	}
	if s, n := out.get(); s != "" || n != 0 {
		t.Fatalf("written before the batch is due: %d writes %q", n, s)
	}
	l.Error("failed", "error", "boom")
	s, n := out.get()
	if n != 1 || strings.Count(s, "\n") != 6 || !strings.Contains(s, `"@level":"error"`) {
		t.Fatalf("after an error line: %d writes\n%s", n, s)
	}
	for i := range 5 {
		if !strings.Contains(strings.Split(s, "\n")[i], `"n":`+string(rune('0'+i))) {
			t.Errorf("line %d out of order:\n%s", i, s)
		}
	}
	if strings.Contains(s, "not written") {
		t.Error("a debug line was written at info")
	}
	l.Warn("later")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if s, n := out.get(); n != 2 || !strings.HasSuffix(s, "\n") || !strings.Contains(s, "later") {
		t.Fatalf("after Flush: %d writes\n%s", n, s)
	}
}

// TestLineWriterTimer: a batch goes out by itself after the delay.
func TestLineWriterTimer(t *testing.T) {
	out := &syncBuffer{}
	l := newLogger(log.Info, newLineWriter(out, 10*time.Millisecond))
	l.Info("one")
	l.Info("two")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s, n := out.get(); n == 1 && strings.Contains(s, "one") && strings.Contains(s, "two") {
			return
		}
		if time.Now().After(deadline) {
			s, n := out.get()
			t.Fatalf("the batch did not go out: %d writes %q", n, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLineWriterLargeBatch: a batch of maxBatch bytes goes out at once.
func TestLineWriterLargeBatch(t *testing.T) {
	out := &syncBuffer{}
	l := newLogger(log.Info, newLineWriter(out, time.Hour))
	big := strings.Repeat("x", 1024)
	for range maxBatch/1024 + 1 {
		l.Info("big", "v", big)
	}
	if _, n := out.get(); n != 1 {
		t.Fatalf("%d writes after more than maxBatch bytes, want 1", n)
	}
}

// TestLineWriterKeepsOrder: lines handed over as records and lines hclog
// writes as bytes (a duration is hclog's to render) go out in the order
// they were logged, each with its own timestamp.
func TestLineWriterKeepsOrder(t *testing.T) {
	out := &syncBuffer{}
	w := newLineWriter(out, time.Hour)
	l := newLogger(log.Info, w)
	for i := range 6 {
		if i%2 == 0 {
			l.Info("record", "i", i)
		} else {
			l.Info("bytes", "i", i, "d", time.Duration(i))
		}
	}
	l.Warn("record", "i", 6)
	if s, n := out.get(); s != "" || n != 0 {
		t.Fatalf("written before the batch is due: %d writes %q", n, s)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	s, _ := out.get()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7:\n%s", len(lines), s)
	}
	for i, line := range lines {
		if !strings.Contains(line, fmt.Sprintf(`"i":%d`, i)) || !strings.Contains(line, `"@timestamp":"`) {
			t.Errorf("line %d: %s", i, line)
		}
	}
}
