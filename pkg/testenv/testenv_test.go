package testenv

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadEnv(t *testing.T) {
	full := `export QUARRY_STATE_DIR='/tmp/x'
export QUARRY_PG_DSN='postgres://postgres@127.0.0.1:55432/quarry?sslmode=disable'
export QUARRY_PG_HOST='127.0.0.1'
export QUARRY_PG_PORT='55432'
export QUARRY_CH_ADDR='127.0.0.1:59000'
export QUARRY_CH_READER_USER='quarry_reader'
export QUARRY_CH_READONLY2_USER='quarry_readonly2'
export QUARRY_CH2_ADDR='127.0.0.1:59400'
export QUARRY_CH_CLUSTER='quarry'
export QUARRY_BQ_ENDPOINT='http://127.0.0.1:59050'
export QUARRY_BQ_PROJECT='quarry'
export QUARRY_BQ_DATASET='sample'
`
	for _, c := range []struct {
		name, text, wantErr string
		check               map[string]string
	}{
		{name: "full", text: full, check: map[string]string{"QUARRY_PG_PORT": "55432", "QUARRY_BQ_ENDPOINT": "http://127.0.0.1:59050", "QUARRY_CH2_ADDR": "127.0.0.1:59400"}},
		{name: "comments and blanks", text: "# hi\n\n" + full, check: map[string]string{"QUARRY_BQ_DATASET": "sample"}},
		{name: "missing key", text: strings.Replace(full, "export QUARRY_CH_ADDR='127.0.0.1:59000'\n", "", 1), wantErr: "has no QUARRY_CH_ADDR"},
		{name: "env of an older services.sh", text: strings.Replace(full, "export QUARRY_CH_READER_USER='quarry_reader'\n", "", 1), wantErr: "has no QUARRY_CH_READER_USER"},
		{name: "bad line", text: "export NOPE\n" + full, wantErr: ":1: want KEY=value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "env")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			env, err := readEnv(path)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.check {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
		})
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "services.sh")); err != nil {
		t.Fatalf("root %s has no scripts/services.sh: %v", root, err)
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv("QUARRY_STATE_DIR", "/tmp/elsewhere")
	if got := StateDir(); got != "/tmp/elsewhere" {
		t.Errorf("StateDir() = %q", got)
	}
	t.Setenv("QUARRY_STATE_DIR", "")
	if got := StateDir(); got != "/tmp/quarry-services" {
		t.Errorf("StateDir() = %q", got)
	}
}

func TestNotRunning(t *testing.T) {
	t.Setenv("QUARRY_STATE_DIR", t.TempDir())
	if _, err := running(); err == nil || !strings.Contains(err.Error(), "not marked loaded") {
		t.Errorf("running() on an empty state dir: err = %v, want one saying the sample is not loaded", err)
	}
	if err := os.WriteFile(filepath.Join(StateDir(), "ready"), []byte("2024-01-01T00:00:00Z\nold\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := running(); err == nil || !strings.Contains(err.Error(), "another generator version") {
		t.Errorf("running() with a stale sample: err = %v, want one about the generator version", err)
	}
}

func TestTail(t *testing.T) {
	if got := tail([]byte("a\nb\nc\n"), 2); got != "b\nc" {
		t.Errorf("tail = %q", got)
	}
}

// TestPrivateRedis starts a private Redis through scripts/services.sh,
// talks to it, kills it and sees it gone; the cleanup's stop must leave
// nothing behind.
func TestPrivateRedis(t *testing.T) {
	r := PrivateRedis(t)
	if got := redisPing(t, r.Addr); got != "+PONG" {
		t.Fatalf("PING answered %q, want +PONG", got)
	}
	shared := Redis(t)
	if shared.Addr == r.Addr {
		t.Fatalf("the private redis shares the shared one's address %s", r.Addr)
	}
	if got := redisPing(t, shared.Addr); got != "+PONG" {
		t.Fatalf("shared redis: PING answered %q, want +PONG", got)
	}
	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", r.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("the killed redis on %s still accepts connections", r.Addr)
	}
}

func redisPing(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}
