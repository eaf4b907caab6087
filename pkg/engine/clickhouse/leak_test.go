package clickhouse

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/bigtent/quarry/pkg/chdbtest"
)

// TestMain fails the package's tests when a goroutine started by them is
// still running at the end (goleak), but for those of the chDB server,
// which lives as long as the test binary.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, chdbtest.ServerGoroutines()...)
}
