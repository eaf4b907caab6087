package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestPlanGolden runs `quarry plan` on every testdata/plan/*.json request
// and compares stdout and the exit code with the .golden file.
func TestPlanGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/plan/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"plan"}, bytes.NewReader(body), &stdout, &stderr)
			wantErr := strings.HasPrefix(name, "error_")
			if (code != 0) != wantErr {
				t.Fatalf("exit %d (stderr %q), want error=%v", code, stderr.String(), wantErr)
			}
			if !json.Valid(stdout.Bytes()) {
				t.Fatalf("stdout is not JSON: %s", stdout.String())
			}
			if wantErr {
				var e struct {
					Error struct {
						Message      string
						Line, Column int
					}
				}
				if err := json.Unmarshal(stdout.Bytes(), &e); err != nil || e.Error.Message == "" {
					t.Fatalf("error reply %s lacks error.message", stdout.String())
				}
				if code != exitPlan {
					t.Errorf("exit code %d, want %d", code, exitPlan)
				}
			}
			got := append([]byte(strings.TrimSpace(stdout.String())), '\n')
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("stdout differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestPlanErrorPosition(t *testing.T) {
	body, _ := os.ReadFile("testdata/plan/error_unbalanced.json")
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"plan"}, bytes.NewReader(body), &stdout, &stderr)
	var e struct {
		Error struct{ Line, Column int }
	}
	if err := json.Unmarshal(stdout.Bytes(), &e); err != nil || e.Error.Line == 0 || e.Error.Column == 0 {
		t.Fatalf("unbalanced bracket: %s, want line and column", stdout.String())
	}
}

func TestPlanExplain(t *testing.T) {
	body, _ := os.ReadFile("testdata/plan/timegroup_postgres.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"plan", "--explain"}, bytes.NewReader(body), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if json.Valid(stdout.Bytes()) || !strings.Contains(stdout.String(), "sample.http_requests") {
		t.Fatalf("--explain printed %q, want a human-readable plan", stdout.String())
	}
}

func TestUsageExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, exitUsage},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"plan", "--nope"}, exitUsage},
		{[]string{"query", "--output", "xml"}, exitUsage},
		{[]string{"serve", "--addr", "0.0.0.0:1"}, exitUsage},
		{[]string{"help"}, exitOK},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, strings.NewReader(`{}`), &stdout, &stderr); code != tt.code {
			t.Errorf("quarry %v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, stderr.String())
		}
	}
}

// TestMigrate converts a real dashboard through the CLI: the dashboard on
// stdout, the report on stderr.
func TestMigrate(t *testing.T) {
	in, err := os.ReadFile("../../migrate/testdata/postgres-altinity-e2e.json")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "--uid", "postgres=pg-quarry"}, bytes.NewReader(in), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"uid": "pg-quarry"`) || !strings.Contains(errOut.String(), "queries converted: postgres 4") {
		t.Fatalf("stdout %.300s\nstderr %s", out.String(), errOut.String())
	}
	if code := run(context.Background(), []string{"migrate"}, strings.NewReader("nope"), &out, &errOut); code != exitUsage {
		t.Errorf("bad JSON: exit %d, want %d", code, exitUsage)
	}
}
