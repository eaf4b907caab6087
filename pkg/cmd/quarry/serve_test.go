package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/testenv"
)

// duckSettings writes a --settings file for the shared DuckDB sample.
func duckSettings(t *testing.T, extra map[string]any) string {
	t.Helper()
	info := testenv.DuckDB(t)
	jsonData := map[string]any{"engine": "duckdb", "path": info.Path}
	for k, v := range extra {
		jsonData[k] = v
	}
	b, _ := json.Marshal(map[string]any{"jsonData": jsonData, "secureJsonData": map[string]string{"unused": "serve-secret-value"}})
	p := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeEndpoints(t *testing.T) {
	cf := connFlags{settings: duckSettings(t, nil)}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	ds, err := cf.open(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Dispose()
	jsonData, secure, _ := cf.config()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = newServer(ds, "quarry", jsonData, secure, serveOptions{addr: srv.Listener.Addr().String()})
	srv.Start()
	defer srv.Close()
	base := srv.URL + "/api/datasources/uid/quarry"

	do := func(method, url, body string, hdr map[string]string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	tests := []struct {
		name, method, url, body string
		hdr                     map[string]string
		status                  int
		want                    []string
	}{
		{name: "query", method: "POST", url: srv.URL + "/api/ds/query", status: 200,
			body: `{"from": "1706572800000", "to": "1706659200000", "queries": [
				{"refId": "A", "datasource": {"uid": "quarry"}, "rawSql": "SELECT service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY service ORDER BY service", "format": "table", "intervalMs": 60000, "maxDataPoints": 500},
				{"refId": "B", "rawSql": "SELECT nope FROM", "format": "table"}]}`,
			want: []string{`"results"`, `"A"`, `"frames"`, `"checkout"`, `"B"`, `"error"`}},
		{name: "query relative range", method: "POST", url: srv.URL + "/api/ds/query", status: 200,
			body: `{"from": "now-6h", "to": "now", "queries": [{"refId": "A", "rawSql": "SELECT 1 AS one"}]}`, want: []string{`"one"`}},
		{name: "query bad body", method: "POST", url: srv.URL + "/api/ds/query", body: `{"queries": []}`, status: 400, want: []string{`"message"`}},
		{name: "query bad time", method: "POST", url: srv.URL + "/api/ds/query", body: `{"from": "yesterday", "queries": [{"refId":"A"}]}`, status: 400, want: []string{`not epoch milliseconds`}},
		{name: "health", method: "GET", url: base + "/health", status: 200, want: []string{`"status":"OK"`, `"version"`}},
		{name: "datasource hides secrets", method: "GET", url: base, status: 200, want: []string{`"secureJsonFields":{"unused":true}`, `"engine":"duckdb"`}},
		{name: "macros", method: "GET", url: base + "/resources/macros", status: 200, want: []string{`$__timeGroup`}},
		{name: "tables", method: "GET", url: base + "/resources/schema/tables?dataset=sample", status: 200, want: []string{`http_requests`}},
		{name: "plan", method: "POST", url: base + "/resources/plan", status: 200,
			body: `{"rawSql": "SELECT * FROM sample.logs WHERE $__timeFilter(ts)", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, want: []string{`"sql"`, `"steps"`}},
		{name: "plan error", method: "POST", url: base + "/resources/plan", status: 400,
			body: `{"rawSql": "SELECT (", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, want: []string{`"line":1`}},
		{name: "tag values", method: "POST", url: base + "/resources/tag-values", status: 200,
			body: `{"key": "region", "table": "sample.http_requests", "timeRange": {"from": "2024-01-30T00:00:00Z", "to": "2024-01-30T01:00:00Z"}}`, want: []string{`eu-west-1`}},
		{name: "preflight", method: "OPTIONS", url: base + "/resources/plan", hdr: map[string]string{"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST"}, status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := do(tt.method, tt.url, tt.body, tt.hdr)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %.600s", w, body)
				}
			}
			if strings.Contains(body, "serve-secret-value") {
				t.Errorf("a secret leaked: %s", body)
			}
			if o := hdr.Get("Access-Control-Allow-Origin"); o != "" {
				t.Errorf("CORS header %q sent without --allow-origin", o)
			}
		})
	}
}

// TestServeAccessRules: Host must name the listening address (DNS
// rebinding), foreign pages are refused, CORS goes only to listed origins
// (never a wildcard or an echo), and --token requires a bearer token.
func TestServeAccessRules(t *testing.T) {
	cf := connFlags{settings: duckSettings(t, nil)}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	ds, err := cf.open(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Dispose()
	jsonData, secure, _ := cf.config()
	start := func(opts serveOptions) (*httptest.Server, string) {
		srv := httptest.NewUnstartedServer(nil)
		opts.addr = srv.Listener.Addr().String()
		srv.Config.Handler = newServer(ds, "quarry", jsonData, secure, opts)
		srv.Start()
		t.Cleanup(srv.Close)
		_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
		return srv, port
	}
	open, port := start(serveOptions{})
	listed, lport := start(serveOptions{origins: []string{"https://dev.example.com:8443"}})
	locked, kport := start(serveOptions{token: "s3cret-token"})
	const health = "/api/datasources/uid/quarry/health"
	tests := []struct {
		name   string
		srv    *httptest.Server
		method string
		path   string
		hdr    map[string]string
		status int
		acao   string // expected Access-Control-Allow-Origin ("" = none)
	}{
		{"plain loopback request", open, "GET", health, nil, 200, ""},
		{"localhost Host", open, "GET", health, map[string]string{"Host": "localhost:" + port}, 200, ""},
		{"rebinding Host", open, "GET", health, map[string]string{"Host": "evil.example.com:" + port}, 421, ""},
		{"Host of another port", open, "GET", health, map[string]string{"Host": "127.0.0.1:1"}, 421, ""},
		{"Host without port", open, "GET", health, map[string]string{"Host": "127.0.0.1"}, 421, ""},
		{"foreign page", open, "POST", "/api/ds/query", map[string]string{"Origin": "https://evil.example.com"}, 403, ""},
		{"foreign preflight", open, "OPTIONS", health, map[string]string{"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}, 403, ""},
		{"null origin", open, "GET", health, map[string]string{"Origin": "null"}, 403, ""},
		{"loopback page, no CORS needed", open, "GET", health, map[string]string{"Origin": "http://127.0.0.1:5173"}, 200, ""},
		{"listed origin gets CORS", listed, "GET", health, map[string]string{"Origin": "https://dev.example.com:8443"}, 200, "https://dev.example.com:8443"},
		{"listed origin preflight", listed, "OPTIONS", health, map[string]string{"Origin": "https://dev.example.com:8443", "Access-Control-Request-Method": "POST"}, 204, "https://dev.example.com:8443"},
		{"unlisted origin not echoed", listed, "GET", health, map[string]string{"Origin": "https://other.example.com"}, 403, ""},
		{"listed server still checks Host", listed, "GET", health, map[string]string{"Host": "dev.example.com:" + lport}, 421, ""},
		{"no token", locked, "GET", health, nil, 401, ""},
		{"wrong token", locked, "GET", health, map[string]string{"Authorization": "Bearer s3cret-tokeN"}, 401, ""},
		{"token prefix", locked, "GET", health, map[string]string{"Authorization": "Bearer s3cret"}, 401, ""},
		{"not bearer", locked, "GET", health, map[string]string{"Authorization": "Basic s3cret-token"}, 401, ""},
		{"right token", locked, "GET", health, map[string]string{"Authorization": "Bearer s3cret-token"}, 200, ""},
		{"healthz needs no token", locked, "GET", "/healthz", nil, 204, ""},
		{"token server checks Host first", locked, "GET", health, map[string]string{"Host": "evil.example.com:" + kport, "Authorization": "Bearer s3cret-token"}, 421, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, tt.srv.URL+tt.path, strings.NewReader(`{"queries":[{"refId":"A","rawSql":"SELECT 1"}]}`))
			for k, v := range tt.hdr {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if resp.StatusCode >= 400 && !strings.Contains(string(body), `"message"`) {
				t.Errorf("refusal without a message: %s", body)
			}
			if strings.Contains(string(body), "s3cret") {
				t.Errorf("the token is in the answer: %s", body)
			}
		})
	}
}

func TestServeAddressRules(t *testing.T) {
	settings := duckSettings(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "listens on loopback"},
		{[]string{"--addr", "192.0.2.1:0"}, "listens on loopback"},
		{[]string{"--addr", "0.0.0.0:0", "--token", "t"}, "name one IP address"},
		{[]string{"--allow-origin", "*"}, "no wildcard"},
		{[]string{"--allow-origin", "http://x.example/path"}, "no wildcard, no path"},
	} {
		var errOut strings.Builder
		code := run(context.Background(), append([]string{"serve", "--settings", settings}, tc.args...), strings.NewReader(""), io.Discard, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want usage error with %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// TestServeReadyLine starts `quarry serve` as the frontend's browser test
// does and waits for its ready line.
func TestServeReadyLine(t *testing.T) {
	settings := duckSettings(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--settings", settings, "--addr", "127.0.0.1:0"}, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "quarry serve: ready on http://127.0.0.1:") {
		t.Fatalf("ready line %q", line)
	}
	url := strings.Fields(strings.TrimPrefix(line, "quarry serve: ready on "))[0]
	resp, err := http.Get(url + "/api/datasources/uid/quarry/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health status %d", resp.StatusCode)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after interrupt", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestDemoTour(t *testing.T) {
	settings := duckSettings(t, nil)
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"demo", "--settings", settings}, strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"1. Time series", "fill: value 0", "2. Ad hoc filter", "host = 'web-3'", "3. Annotations", "timeEnd",
		"4. Template variable", "__text", "5. Cost estimate", "── cost", "6. Guardrail", "refused (as intended)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

func TestQueryOutputs(t *testing.T) {
	settings := duckSettings(t, nil)
	req := `{"rawSql": "SELECT region, count(DISTINCT host) AS hosts FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY region ORDER BY region",
		"timeRange": {"from": "2024-01-30T00:00:00Z", "to": "2024-01-30T01:00:00Z"}}`
	tests := []struct {
		output string
		want   []string
	}{
		{"table", []string{"── plan", "── cost", "region", "ap-southeast-1", "us-east-1"}},
		{"csv", []string{"region,hosts\nap-southeast-1,2\neu-west-1,3\nus-east-1,3\n"}},
		{"json", []string{`"plan"`, `"cost"`, `"frames"`}},
	}
	for _, tt := range tests {
		var out, errOut strings.Builder
		code := run(context.Background(), []string{"query", "--settings", settings, "--output", tt.output}, strings.NewReader(req), &out, &errOut)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.output, code, errOut.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s output lacks %q:\n%s", tt.output, w, out.String())
			}
		}
	}
	// A guardrail refusal exits 4; a planner error exits 3.
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"query", "--settings", settings, "--max-rows", "10"}, strings.NewReader(`{"rawSql": "SELECT * FROM sample.logs", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`), &out, &errOut); code != 0 {
		t.Errorf("capped query exit %d: %s", code, errOut.String())
	}
	budget := duckSettings(t, map[string]any{"maxEstimatedRows": 100})
	if code := run(context.Background(), []string{"query", "--settings", budget}, strings.NewReader(`{"rawSql": "SELECT * FROM sample.http_requests", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`), &out, &errOut); code != exitRefused {
		t.Errorf("refused query exit %d, want %d: %s", code, exitRefused, errOut.String())
	}
	if code := run(context.Background(), []string{"estimate", "--settings", settings}, strings.NewReader(`{"rawSql": "SELECT (", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`), &out, &errOut); code != exitPlan {
		t.Errorf("bad SQL exit %d, want %d", code, exitPlan)
	}
}
