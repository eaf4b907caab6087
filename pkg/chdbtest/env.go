package chdbtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// LibEnv names libchdb.so explicitly; scripts/test.sh sets it to the path
// scripts/fetch-chdb.sh prints. Without it the library is looked up in the
// cache the script fills, and fetched there with the script when missing.
const LibEnv = "QUARRY_CHDB_LIB"

// skipEnv is testenv's switch: "1" skips every integration test, chDB's too.
const skipEnv = "QUARRY_SKIP_INTEGRATION"

// CachedLib is where scripts/fetch-chdb.sh caches libchdb.so:
// $QUARRY_CACHE_DIR, else $XDG_CACHE_HOME/quarry, else ~/.cache/quarry,
// then chdb-<Version>/libchdb.so.
func CachedLib() string {
	cache := os.Getenv("QUARRY_CACHE_DIR")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "quarry")
	}
	return filepath.Join(cache, "chdb-"+Version, "libchdb.so")
}

// The process's one chDB session (chDB allows one connection per process).
var shared struct {
	once sync.Once
	s    *Session
	err  error
	// sample loads the sample database once; see Sample.
	sampleOnce sync.Once
	sampleErr  error
}

// Shared returns the process's chDB session, loading the library on first
// use. When the library is missing it runs scripts/fetch-chdb.sh (npm,
// about 180 MB once). It fails the test when chDB cannot be had, and skips
// only when QUARRY_SKIP_INTEGRATION=1.
func Shared(t testing.TB) *Session {
	t.Helper()
	if os.Getenv(skipEnv) == "1" {
		t.Skip(skipEnv + "=1: skipping the chDB (ClickHouse 26.7) checks")
	}
	shared.once.Do(func() {
		path, err := libPath()
		if err != nil {
			shared.err = err
			return
		}
		dir, err := dataDir()
		if err != nil {
			shared.err = err
			return
		}
		shared.s, shared.err = Open(path, dir)
	})
	if shared.err != nil {
		t.Fatalf("chDB is not available: %v", shared.err)
	}
	return shared.s
}

// libPath finds libchdb.so, fetching it when needed.
func libPath() (string, error) {
	if p := os.Getenv(LibEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w (run scripts/fetch-chdb.sh and point %s at the path it prints)", LibEnv, p, err, LibEnv)
		}
		return p, nil
	}
	p := CachedLib()
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("libchdb.so is not at %s and the fetch script cannot be found: %w (run scripts/fetch-chdb.sh)", p, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "fetch-chdb.sh"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/fetch-chdb.sh failed: %w\n%s", err, stderr.String())
	}
	got := strings.TrimSpace(string(out))
	if _, err := os.Stat(got); err != nil {
		return "", fmt.Errorf("scripts/fetch-chdb.sh printed %q: %w", got, err)
	}
	return got, nil
}

// repoRoot walks up from the working directory to the directory holding
// scripts/fetch-chdb.sh.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "fetch-chdb.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no scripts/fetch-chdb.sh above the working directory")
		}
		dir = parent
	}
}

// dataDir makes the process's chDB data directory under the system's
// temporary directory, quarry-chdb-<pid>-*, and removes those of processes
// that have ended (a test binary has no exit hook to remove its own).
func dataDir() (string, error) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "quarry-chdb-*-*"))
	for _, d := range old {
		rest := strings.TrimPrefix(filepath.Base(d), "quarry-chdb-")
		pid, err := strconv.Atoi(rest[:strings.IndexByte(rest, '-')])
		if err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
	return os.MkdirTemp("", fmt.Sprintf("quarry-chdb-%d-*", os.Getpid()))
}
