package chdbtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// serverStartTimeout bounds how long Server waits for the listening line
// (the build of tools/chdbserver is not counted).
const serverStartTimeout = 60 * time.Second

// The process's one chDB server (tools/chdbserver), started by Server.
var server struct {
	once sync.Once
	addr string
	err  error
	// exited is closed when the server process ends; waitErr and stderr
	// then say why.
	exited  chan struct{}
	waitErr error
	stderr  *tailBuffer
	// build and start are how long the go build and the start (to the
	// listening line) took.
	build, start time.Duration
}

// Server returns the address, "127.0.0.1:PORT", of a ClickHouse 26.7
// server speaking the native TCP protocol, for checking the wire path
// (handshake, blocks, compression, settings, exceptions) against a modern
// server. It announces protocol revision 54488, so a connection runs at
// the client's own revision (54460 for clickhouse-go v2.51), where the
// Debian ClickHouse 18.16 test server holds it at 54412. Its session time
// zone is UTC, as the 18.16 server's is; the user is "default", without a
// password.
//
// It is chDB's libchdb.so running clickhouse-local's main with the TCP
// listener started, in a process of its own (tools/chdbserver), since the
// in-process library of Shared listens on no port; the two do not share
// data. The test binary shares one server: the first call builds
// tools/chdbserver with `go build` (cgo enabled) and starts it with its
// data in a temporary directory, and the server dies with the test
// binary. A test using it must create its own database and tables, and
// rely on no other test's. It must not KILL QUERY other than its own: the
// server runs as a query (in system.processes, sleepEachRow(3600)), and
// ends with it.
//
// It fails the test when the server cannot be had, and skips only when
// QUARRY_SKIP_INTEGRATION=1.
func Server(t testing.TB) string {
	t.Helper()
	if os.Getenv(skipEnv) == "1" {
		t.Skip(skipEnv + "=1: skipping the chDB (ClickHouse 26.7) server checks")
	}
	started := false
	server.once.Do(func() {
		server.addr, server.err = startServer()
		started = true
	})
	if server.err != nil {
		t.Fatalf("the chDB server is not available: %v", server.err)
	}
	if started {
		t.Logf("chdbtest: the chDB server listens on %s (built in %v, started in %v)",
			server.addr, server.build.Round(time.Millisecond), server.start.Round(time.Millisecond))
	}
	select {
	case <-server.exited:
		t.Fatalf("the chDB server at %s has ended: %v\n%s", server.addr, server.waitErr, server.stderr)
	default:
	}
	return server.addr
}

// startServer builds tools/chdbserver and starts it.
func startServer() (string, error) {
	lib, err := libPath()
	if err != nil {
		return "", err
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := serverDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "chdbserver")
	t0 := time.Now()
	if err := buildServer(root, bin); err != nil {
		return "", err
	}
	server.build = time.Since(t0)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		return "", err
	}

	t0 = time.Now()
	server.exited = make(chan struct{})
	server.stderr = &tailBuffer{max: 64 << 10}
	lines := make(chan string, 1)
	type startResult struct {
		proc *os.Process
		err  error
	}
	started := make(chan startResult, 1)
	// PR_SET_PDEATHSIG fires when the thread that forked the child ends,
	// not the process (golang.org/issue/27505): start the server from a
	// goroutine locked to its thread, which then lives as long as the
	// server does, waiting for it.
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(bin, "-lib", lib, "-data", data, "-port", "0", "-listen", "127.0.0.1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		cmd.Stderr = server.stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			started <- startResult{err: err}
			return
		}
		if err := cmd.Start(); err != nil {
			started <- startResult{err: fmt.Errorf("starting %s: %w", bin, err)}
			return
		}
		started <- startResult{proc: cmd.Process}
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				select {
				case lines <- sc.Text():
				default:
				}
			}
			io.Copy(io.Discard, stdout)
		}()
		server.waitErr = cmd.Wait()
		close(server.exited)
	}()
	res := <-started
	if res.err != nil {
		return "", res.err
	}

	timer := time.NewTimer(serverStartTimeout)
	defer timer.Stop()
	for {
		select {
		case line := <-lines:
			if addr, ok := strings.CutPrefix(line, "listening "); ok {
				server.start = time.Since(t0)
				return addr, nil
			}
		case <-server.exited:
			return "", fmt.Errorf("tools/chdbserver ended before listening: %v\n%s", server.waitErr, server.stderr)
		case <-timer.C:
			res.proc.Kill()
			return "", fmt.Errorf("tools/chdbserver did not listen within %v\n%s", serverStartTimeout, server.stderr)
		}
	}
}

// moduleRoot is the directory of the main module's go.mod (`go env
// GOMOD`, run in the working directory: the test's package directory).
func moduleRoot() (string, error) {
	out, err := exec.Command(goCommand(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("go env GOMOD: the working directory is in no module")
	}
	root := filepath.Dir(mod)
	if _, err := os.Stat(filepath.Join(root, "tools", "chdbserver", "main.go")); err != nil {
		return "", fmt.Errorf("the module at %s has no tools/chdbserver: %w", root, err)
	}
	return root, nil
}

// buildServer builds tools/chdbserver into bin.
func buildServer(root, bin string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCommand(), "build", "-o", bin, "./tools/chdbserver")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./tools/chdbserver: %w\n%s", err, out)
	}
	return nil
}

// goCommand is the go command on PATH, else the one of the toolchain that
// built the test.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := runtime.GOROOT(); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// serverDir makes the directory of the process's server (its binary and
// data) under the system's temporary directory,
// quarry-chdbserver-<pid>-*, and removes those of processes that have
// ended (their servers died with them).
func serverDir() (string, error) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "quarry-chdbserver-*-*"))
	for _, d := range old {
		rest := strings.TrimPrefix(filepath.Base(d), "quarry-chdbserver-")
		i := strings.IndexByte(rest, '-')
		if i < 0 {
			continue
		}
		pid, err := strconv.Atoi(rest[:i])
		if err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
	return os.MkdirTemp("", fmt.Sprintf("quarry-chdbserver-%d-*", os.Getpid()))
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append(w.b[:0], w.b[len(w.b)-w.max:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}

// ServerGoroutines are goleak options that ignore the goroutines of the
// process-wide server (the process wait, its output readers), which live
// as long as the test binary.
func ServerGoroutines() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/bigtent/quarry/pkg/chdbtest.startServer.func1"),
		goleak.IgnoreAnyFunction("github.com/bigtent/quarry/pkg/chdbtest.startServer.func1.1"),
		goleak.IgnoreAnyFunction("os/exec.(*Cmd).Start.func2"),
	}
}
