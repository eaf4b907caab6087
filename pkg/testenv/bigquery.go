package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// PrivateBigQuery starts a BigQuery emulator of the test's own through
// scripts/services.sh (QUARRY_SERVICES=bigquery, QUARRY_SAMPLE=0, a state
// dir and free ports of its own): an empty project "quarry" with an empty
// dataset "sample". It is stopped at the end of the test.
//
// goccy/bigquery-emulator v0.6.6 loads the catalog of the whole project for
// every request, so each call costs time in proportion to the tables of
// every dataset: on the shared emulator (the sample's 34 tables plus what
// other tests leave) a query takes seconds under load, on an empty one tens
// of milliseconds. Tests that run many queries take a private emulator.
func PrivateBigQuery(t testing.TB) BigQueryInfo {
	t.Helper()
	skipIfAsked(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	var ports [2]int
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			t.Fatalf("testenv: finding a free port for a private emulator: %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "quarry-bigquery-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	state := filepath.Join(dir, "state")
	env := []string{"QUARRY_STATE_DIR=" + state, "QUARRY_SERVICES=bigquery", "QUARRY_SAMPLE=0",
		"QUARRY_BQ_PORT=" + strconv.Itoa(ports[0]), "QUARRY_BQ_GRPC_PORT=" + strconv.Itoa(ports[1])}
	t.Cleanup(func() {
		if out, err := runServices(root, env, "stop"); err != nil {
			t.Errorf("testenv: stopping the private emulator: %v\n%s", err, tail(out, 20))
		}
		os.RemoveAll(dir)
	})
	if out, err := runServices(root, env, "start"); err != nil {
		t.Fatalf("testenv: starting a private emulator on port %d: %v\n%s", ports[0], err, tail(out, 40))
	}
	info := BigQueryInfo{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), GRPCAddr: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		Project: "quarry", Dataset: "sample"}
	if err := bigQueryAnswers(info.Endpoint, info.Project); err != nil {
		t.Fatalf("testenv: the private emulator: %v", err)
	}
	return info
}
