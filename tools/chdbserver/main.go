// Command chdbserver serves ClickHouse 26.7 over the native TCP protocol
// from chDB's libchdb.so, for tests that check the wire path against a
// modern server (pkg/chdbtest.Server starts it).
//
// It dlopens the library at run time (nothing links against it) and runs
// clickhouse-local's main through query_stable_v2 with a query that starts
// the TCP listener and then blocks for good, so the server answers until
// the process is killed (SIGTERM and SIGINT end it at once). It dies with
// its parent (PR_SET_PDEATHSIG). Its server and session time zones are
// UTC; the user is "default", without a password.
//
//	chdbserver [-lib libchdb.so] [-data DIR] [-port N] [-listen HOST]
//
// Once the port accepts connections it prints one line to stdout,
// "listening HOST:PORT". If the library's main returns, it prints the
// error to stderr and exits 1. The server is that query: a KILL QUERY
// that matches it (it is in system.processes, user "") ends the server.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// keepAlive starts the listener and then sleeps an hour per row of a
// billion rows: the query, and so the server, runs until the process ends.
const keepAlive = "SYSTEM START LISTEN TCP; " +
	"SELECT sleepEachRow(3600) FROM numbers(1000000000) FORMAT Null"

func main() {
	lib := flag.String("lib", defaultLib(), "path to libchdb.so (default $"+libEnv+", else the cache scripts/fetch-chdb.sh fills)")
	data := flag.String("data", "", "data directory, created if missing (default a new temporary directory); no other chDB may use it at the same time")
	port := flag.Int("port", 0, "TCP port of the native protocol; 0 picks a free one")
	listen := flag.String("listen", "127.0.0.1", "host to listen on")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}

	// Die with the parent. The parent may have died already, before
	// prctl: then this process has been re-parented.
	ppid := os.Getppid()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		fail(fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", errno))
	}
	if os.Getppid() != ppid {
		os.Exit(1)
	}

	// The server's time zone (serverTimezone(), the default of DateTime
	// columns and functions) is UTC whatever the machine's: ClickHouse
	// takes it from TZ, and clickhouse-local ignores the config's
	// <timezone>. The sessions' is set below, by --session_timezone.
	if err := os.Setenv("TZ", "UTC"); err != nil {
		fail(err)
	}
	if err := load(*lib); err != nil {
		fail(err)
	}
	dir := *data
	if dir == "" {
		d, err := os.MkdirTemp("", "quarry-chdbserver-*")
		if err != nil {
			fail(err)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	if *port == 0 {
		p, err := freePort(*listen)
		if err != nil {
			fail(err)
		}
		*port = p
	}
	addr := net.JoinHostPort(*listen, strconv.Itoa(*port))

	// SIGTERM and SIGINT end the process at once: clickhouse-local's
	// main is not meant to be stopped from outside.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		os.Exit(0)
	}()

	done := make(chan error, 1)
	go func() {
		done <- run([]string{"chdbserver",
			"--path=" + dir,
			"--tcp_port=" + strconv.Itoa(*port),
			"--listen_host=" + *listen,
			"--session_timezone=UTC",
			"--function_sleep_max_microseconds_per_block=0",
			"--max_execution_time=0",
			"--query", keepAlive,
		})
	}()

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			fail(err)
		case <-tick.C:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
	}
	fmt.Printf("listening %s\n", addr)
	fail(<-done)
}

// libEnv and chdbVersion are chdbtest.LibEnv and chdbtest.Version. They
// are repeated here rather than imported: pkg/chdbtest imports the
// plugin's catalog, and with it every driver, which would make this
// binary 100 MB and its link (part of chdbtest.Server's start-up) slow.
const (
	libEnv      = "QUARRY_CHDB_LIB"
	chdbVersion = "26.7.3-stable.1"
)

// defaultLib is $QUARRY_CHDB_LIB, else where scripts/fetch-chdb.sh caches
// the library (chdbtest.CachedLib): $QUARRY_CACHE_DIR, else
// $XDG_CACHE_HOME/quarry, else ~/.cache/quarry, then
// chdb-<version>/libchdb.so.
func defaultLib() string {
	if p := os.Getenv(libEnv); p != "" {
		return p
	}
	cache := os.Getenv("QUARRY_CACHE_DIR")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "quarry")
	}
	return filepath.Join(cache, "chdb-"+chdbVersion, "libchdb.so")
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("picking a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fail(err error) {
	if err == nil {
		err = errors.New("ended")
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
	os.Exit(1)
}
