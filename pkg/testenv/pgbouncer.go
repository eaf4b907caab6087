package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PgBouncerInfo is a PgBouncer in front of the PostgreSQL server: Port
// accepts the same user and database as the server (trust auth).
type PgBouncerInfo struct {
	Host     string
	Port     int
	User     string
	Database string
	// Mode is the pool_mode: session, transaction or statement.
	Mode string
}

// pgbouncerBin is Debian's pgbouncer (package pgbouncer).
const pgbouncerBin = "/usr/sbin/pgbouncer"

// PgBouncer starts a PgBouncer for this test in front of Postgres(t), in
// pool mode mode, and stops it when the test ends. PgBouncer is installed
// with apt-get when it is missing (as root; otherwise the test fails and
// says what to install). It runs as the postgres user, which PostgreSQL's
// services already need.
func PgBouncer(t testing.TB, mode string) PgBouncerInfo {
	t.Helper()
	pg := Postgres(t)
	if _, err := os.Stat(pgbouncerBin); err != nil {
		if os.Geteuid() != 0 {
			t.Fatalf("testenv: %s is missing; install it with: sudo apt-get install -y pgbouncer", pgbouncerBin)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-c", "apt-get install -y -qq pgbouncer || (apt-get update -qq && apt-get install -y -qq pgbouncer)")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("testenv: installing pgbouncer: %v\n%s", err, tail(out, 20))
		}
	}
	dir, err := os.MkdirTemp("", "quarry-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ini := fmt.Sprintf(`[databases]
%s = host=%s port=%d dbname=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = %s
default_pool_size = 4
max_client_conn = 100
logfile = %s
pidfile = %s
`, pg.Database, pg.Host, pg.Port, pg.Database, port, filepath.Join(dir, "users.txt"), mode,
		filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	for name, text := range map[string]string{"pgbouncer.ini": ini, "users.txt": fmt.Sprintf("%q \"\"\n", pg.User)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		// PgBouncer will not run as root.
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(pgbouncerBin, "-u", "postgres", filepath.Join(dir, "pgbouncer.ini"))
	} else {
		cmd = exec.Command(pgbouncerBin, filepath.Join(dir, "pgbouncer.ini"))
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting pgbouncer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("testenv: pgbouncer exited: %v\n%s", err, tail(log, 20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: pgbouncer does not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return PgBouncerInfo{Host: "127.0.0.1", Port: port, User: pg.User, Database: pg.Database, Mode: mode}
}
