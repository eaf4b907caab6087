package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RedisInfo locates a Redis server (Debian's redis-server, started by
// scripts/services.sh with no persistence). URL is redis://host:port/0.
type RedisInfo struct {
	Addr string
	URL  string
}

// Redis returns the shared Redis server, starting it (alone: the other
// services keep running) when the env file does not name one or it does not
// answer. Tests share it: use keys of your own (a unique prefix or data
// source uid), and never stop, flush or kill it; PrivateRedis is for that.
func Redis(t testing.TB) RedisInfo {
	t.Helper()
	skipIfAsked(t)
	env := services(t)
	if info, err := redisFrom(env); err == nil {
		return info
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: redis is not running and %v; %s", err, howTo)
	}
	out, err := runServices(root, nil, "start")
	if err != nil {
		t.Fatalf("testenv: scripts/services.sh start (for redis) failed: %v\n%s\n%s", err, tail(out, 40), howTo)
	}
	env, err = readEnv(envFile())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	info, err := redisFrom(env)
	if err != nil {
		t.Fatalf("testenv: redis still not ready after scripts/services.sh start: %v\n%s", err, tail(out, 40))
	}
	return info
}

func redisFrom(env map[string]string) (RedisInfo, error) {
	addr := env["QUARRY_REDIS_ADDR"]
	if addr == "" {
		return RedisInfo{}, fmt.Errorf("%s names no QUARRY_REDIS_ADDR", envFile())
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return RedisInfo{}, fmt.Errorf("redis at %s does not accept connections: %w", addr, err)
	}
	c.Close()
	return RedisInfo{Addr: addr, URL: env["QUARRY_REDIS_URL"]}, nil
}

// RedisServer is a private Redis instance: its own port and state dir,
// stopped when the test ends. A test may kill it.
type RedisServer struct {
	RedisInfo
	// CACert is the PEM of the CA that signed a TLS server's certificate
	// (PrivateRedisTLS); empty for a plain server.
	CACert   string
	stateDir string
	root     string
	env      []string
}

// PrivateRedis starts a Redis of the test's own through scripts/services.sh
// (QUARRY_SERVICES=redis, a state dir of its own and a free port), for tests
// that kill or restart the server. It is stopped at the end of the test.
func PrivateRedis(t testing.TB) *RedisServer {
	t.Helper()
	return privateRedis(t, "", false)
}

// PrivateRedisTLS is PrivateRedis serving TLS only (rediss://), with a
// server certificate for 127.0.0.1 signed by a CA made for the test
// (RedisServer.CACert), and requirepass set to password when not empty.
func PrivateRedisTLS(t testing.TB, password string) *RedisServer {
	t.Helper()
	return privateRedis(t, password, true)
}

func privateRedis(t testing.TB, password string, useTLS bool) *RedisServer {
	t.Helper()
	skipIfAsked(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("testenv: finding a free port for a private redis: %v", err)
	}
	dir, err := os.MkdirTemp("", "quarry-redis-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	state := filepath.Join(dir, "state")
	scheme := "redis"
	s := &RedisServer{stateDir: state, root: root}
	if password != "" {
		s.env = append(s.env, "QUARRY_REDIS_PASSWORD="+password)
	}
	if useTLS {
		scheme = "rediss"
		files, caPEM, err := writeTestCerts(filepath.Join(dir, "tls"))
		if err != nil {
			os.RemoveAll(dir)
			t.Fatalf("testenv: certificates for a TLS redis: %v", err)
		}
		s.CACert = caPEM
		s.env = append(s.env, "QUARRY_REDIS_TLS_CERT="+files[0], "QUARRY_REDIS_TLS_KEY="+files[1], "QUARRY_REDIS_TLS_CA="+files[2])
	}
	s.RedisInfo = RedisInfo{Addr: "127.0.0.1:" + strconv.Itoa(port), URL: fmt.Sprintf("%s://127.0.0.1:%d/0", scheme, port)}
	t.Cleanup(func() {
		if out, err := s.services("stop"); err != nil {
			t.Errorf("testenv: stopping the private redis: %v\n%s", err, tail(out, 20))
		}
		os.RemoveAll(dir)
	})
	if out, err := s.services("start"); err != nil {
		t.Fatalf("testenv: starting a private redis on %s: %v\n%s", s.Addr, err, tail(out, 40))
	}
	return s
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// no longer accepts connections.
func (s *RedisServer) Kill() error {
	data, err := os.ReadFile(filepath.Join(s.stateDir, "redis", "redis.pid"))
	if err != nil {
		return fmt.Errorf("reading the private redis pid: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("bad private redis pid %q", data)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("killing the private redis (%d): %w", pid, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
	}
	return fmt.Errorf("the private redis on %s still accepts connections after SIGKILL", s.Addr)
}

func (s *RedisServer) services(cmd string) ([]byte, error) {
	_, port, _ := net.SplitHostPort(s.Addr)
	env := append([]string{"QUARRY_STATE_DIR=" + s.stateDir, "QUARRY_SERVICES=redis", "QUARRY_REDIS_PORT=" + port}, s.env...)
	return runServices(s.root, env, cmd)
}

// runServices runs scripts/services.sh cmd with extra environment.
func runServices(root string, env []string, cmd string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, filepath.Join(root, "scripts", "services.sh"), cmd)
	c.Dir = root
	c.Env = append(append(os.Environ(), "QUARRY_STATE_DIR="+StateDir()), env...)
	return c.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
