package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// TestNoSecretsInLogsOrErrors captures every line the plugin process logs
// (the SDK's and ours, relayed by go-plugin) while health checks, queries
// and resource calls fail to connect, and checks that no secret value shows
// up there or in any reply.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	p := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	port := closedPort(t)
	key, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "quarry-test", "client_email": "quarry@quarry-test.iam.gserviceaccount.com",
		"private_key": "-----BEGIN PRIVATE KEY-----\nbqKeySecr3t0123456789abcdef\n-----END PRIVATE KEY-----\n",
	})
	secrets := []string{"pgPassSecr3t-91c2", "chPassSecr3t-44ab", "bqKeySecr3t0123456789abcdef", "tlsKeySecr3t-5d1e", "notJsonSecr3t-77aa"}
	sources := []harness.DataSource{
		p.NewDataSource("pg refused", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": port, "database": "quarry", "user": "quarry", "sslmode": "disable"},
			map[string]string{"password": secrets[0]}),
		p.NewDataSource("pg dns", map[string]any{"engine": "postgres", "host": "quarry-no-such-host.invalid", "database": "quarry", "user": "quarry", "sslmode": "disable", "connectTimeout": "2s"},
			map[string]string{"password": secrets[0]}),
		p.NewDataSource("pg tls key", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": port, "database": "quarry", "user": "quarry", "sslmode": "verify-full",
			"sslCert": "-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n"},
			map[string]string{"password": secrets[0], "sslKey": "-----BEGIN PRIVATE KEY-----\n" + secrets[3] + "\n-----END PRIVATE KEY-----\n"}),
		p.NewDataSource("ch refused", map[string]any{"engine": "clickhouse", "host": "127.0.0.1", "port": port, "database": "sample", "user": "quarry", "dialTimeout": "2s"},
			map[string]string{"password": secrets[1]}),
		p.NewDataSource("bq refused", map[string]any{"engine": "bigquery", "defaultProject": "quarry-test", "endpoint": "http://127.0.0.1:" + itoa(port)},
			map[string]string{"serviceAccountKey": string(key)}),
		p.NewDataSource("bq bad key", map[string]any{"engine": "bigquery", "defaultProject": "quarry-test"},
			map[string]string{"serviceAccountKey": "{not json " + secrets[4]}),
	}
	var replies []string
	for _, ds := range sources {
		if h, err := p.CheckHealth(ctx, ds); err != nil {
			replies = append(replies, err.Error())
		} else {
			replies = append(replies, h.Message, string(h.JsonDetails))
			if h.Status.String() == "OK" {
				t.Errorf("%s: health OK against a closed port", ds.Name)
			}
		}
		resp, err := p.QueryData(ctx, ds, nil, query("A", "table", "SELECT 1 AS one", winFrom, winTo, nil))
		if err != nil {
			replies = append(replies, err.Error())
		} else {
			for _, r := range resp.Responses {
				replies = append(replies, r.Error)
			}
		}
		for _, path := range []string{"schema/datasets", "tag-keys?table=sample.logs"} {
			r, err := p.CallResource(ctx, ds, "GET", path, nil)
			if err != nil {
				replies = append(replies, err.Error())
			} else {
				replies = append(replies, string(r.Body))
			}
		}
		r, err := p.CallResource(ctx, ds, "POST", "estimate", []byte(`{"rawSql":"SELECT 1","timeRange":{"from":"2024-01-01T00:00:00Z","to":"2024-01-02T00:00:00Z"}}`))
		if err == nil {
			replies = append(replies, string(r.Body))
		} else {
			replies = append(replies, err.Error())
		}
	}
	logs := p.Logs()
	if !strings.Contains(logs, "failed") && !strings.Contains(logs, "error") {
		t.Fatalf("captured no failure log lines; the capture is not working:\n%s", tail(logs, 2000))
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			i := strings.Index(logs, sec)
			t.Errorf("secret %q appears in the plugin's logs: …%s…", sec, logs[max(0, i-300):min(len(logs), i+100)])
		}
		for _, r := range replies {
			if strings.Contains(r, sec) {
				t.Errorf("secret %q appears in a reply: %s", sec, r)
			}
		}
	}
	t.Logf("checked %d replies and %d bytes of plugin logs", len(replies), len(logs))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestNoSecretsAcrossFailures captures the plugin's logs and replies across
// a TLS failure (sslmode=require against a server without TLS), an
// authentication failure (an unknown ClickHouse user with a password), and
// a crash: SIGQUIT makes the Go runtime dump every goroutine's stack and
// exit, the same traceback path an unrecovered panic takes, while the data
// sources holding the secrets are live. No secret may appear anywhere.
func TestNoSecretsAcrossFailures(t *testing.T) {
	pg := testenv.Postgres(t)
	ch := testenv.ClickHouse(t)
	chHost, chPort, err := net.SplitHostPort(ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	secrets := []string{"pgTlsSecr3t-8b1f", "chAuthSecr3t-2c9d"}
	sources := []harness.DataSource{
		p.NewDataSource("pg tls", map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "database": pg.Database, "user": pg.User,
			"sslmode": "require", "connectTimeout": "5s"},
			map[string]string{"password": secrets[0]}),
		p.NewDataSource("ch auth", map[string]any{"engine": "clickhouse", "host": chHost, "port": atoi(t, chPort), "database": ch.Database,
			"user": "quarry_no_such_user", "dialTimeout": "5s"},
			map[string]string{"password": secrets[1]}),
	}
	var replies []string
	for _, ds := range sources {
		h, err := p.CheckHealth(ctx, ds)
		if err != nil {
			replies = append(replies, err.Error())
		} else {
			replies = append(replies, h.Message, string(h.JsonDetails))
			if h.Status.String() == "OK" {
				t.Errorf("%s: health OK; want a TLS or authentication failure", ds.Name)
			}
			t.Logf("%s: %s", ds.Name, h.Message)
		}
		resp, err := p.QueryData(ctx, ds, nil, query("A", "table", "SELECT 1 AS one", winFrom, winTo, nil))
		if err != nil {
			replies = append(replies, err.Error())
		} else {
			for _, r := range resp.Responses {
				replies = append(replies, r.Error)
				for _, f := range r.Frames {
					replies = append(replies, string(f))
				}
			}
		}
		for _, path := range []string{"schema/datasets", "schema/tables?dataset=sample"} {
			if r, err := p.CallResource(ctx, ds, "GET", path, nil); err != nil {
				replies = append(replies, err.Error())
			} else {
				replies = append(replies, string(r.Body))
			}
		}
	}
	// The crash: a full goroutine dump while the instances hold the secrets.
	if err := syscall.Kill(p.Pid(), syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !p.Exited() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !p.Exited() {
		t.Fatal("the plugin did not exit on SIGQUIT")
	}
	time.Sleep(500 * time.Millisecond) // the last relayed stderr lines
	logs := p.Logs()
	if !strings.Contains(logs, "goroutine ") {
		t.Fatalf("the crash dump was not captured:\n%s", tail(logs, 2000))
	}
	for _, sec := range secrets {
		if i := strings.Index(logs, sec); i >= 0 {
			t.Errorf("secret %q appears in the plugin's logs: …%s…", sec, logs[max(0, i-300):min(len(logs), i+100)])
		}
		for _, r := range replies {
			if strings.Contains(r, sec) {
				t.Errorf("secret %q appears in a reply: %s", sec, r)
			}
		}
	}
	t.Logf("checked %d replies and %d bytes of logs, crash dump included", len(replies), len(logs))
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
