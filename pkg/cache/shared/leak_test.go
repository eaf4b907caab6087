package shared

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine started by them is
// still running at the end (goleak).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
