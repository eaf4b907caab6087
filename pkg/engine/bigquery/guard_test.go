package bigquery

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
)

// googleEngine is an engine configured for Google's endpoint (it is never
// contacted by these tests).
func googleEngine(t *testing.T, s Settings) *Engine {
	t.Helper()
	s.Project = "quarry-test"
	s.Endpoint = "https://bigquery.googleapis.com"
	// No network: an endpoint with no key would use ADC; the key is fake
	// but well-formed, and no request is sent.
	s.ServiceAccountKey = `{"type":"service_account","project_id":"quarry-test","client_email":"a@quarry-test.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"}`
	e, err := New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestNewQueryGuardrails(t *testing.T) {
	e := googleEngine(t, Settings{MaxBytesBilled: 1 << 30, Priority: "batch", Location: "EU", Dataset: "sample"})
	q := e.newQuery("SELECT 1", engine.QueryOptions{Labels: map[string]string{"Panel ID": "3"}})
	if q.MaxBytesBilled != 1<<30 || string(q.Priority) != "BATCH" || q.Location != "EU" ||
		q.DefaultDatasetID != "sample" || q.Labels["panel_id"] != "3" {
		t.Errorf("query config = %+v", q.QueryConfig)
	}
	q = e.newQuery("SELECT 1", engine.QueryOptions{Priority: "interactive", Location: "US"})
	if string(q.Priority) != "INTERACTIVE" || q.Location != "US" {
		t.Errorf("per-query overrides: %+v", q.QueryConfig)
	}
	if e.isEmulator() {
		t.Error("googleapis.com endpoint treated as an emulator")
	}
}

func TestCostAndBudgetRefusal(t *testing.T) {
	e := googleEngine(t, Settings{PricePerTiB: 5})
	cost := e.costOf(dryRunResult{StatementType: "SELECT", TotalBytesProcessed: 2 << 40, Accuracy: "PRECISE",
		ReferencedTables: []string{"p.sample.http_requests"}})
	if cost.Kind != engine.CostExact || cost.Bytes != 2<<40 || cost.USD != 10 {
		t.Errorf("cost = %+v, want exact 2 TiB = 10 USD", cost)
	}
	if c := e.costOf(dryRunResult{TotalBytesProcessed: 1, Accuracy: "UPPER_BOUND"}); c.Kind != engine.CostUpperBound {
		t.Errorf("upper bound: %+v", c)
	}
	err := engine.Budget{MaxUSD: 1}.Check(cost)
	var be *engine.BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "$10.0000") {
		t.Errorf("budget check = %v", err)
	}
	// The emulator's numbers are never used.
	emu := &Engine{settings: Settings{Endpoint: "http://127.0.0.1:9050", PricePerTiB: 6.25}}
	if c := emu.costOf(dryRunResult{StatementType: "SELECT", TotalBytesProcessed: 12345}); c.Kind != engine.CostUnknown || c.Bytes != 0 {
		t.Errorf("emulator cost = %+v", c)
	}
}

func TestRestBase(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:9050":                        "http://127.0.0.1:9050/bigquery/v2/",
		"http://127.0.0.1:9050/":                       "http://127.0.0.1:9050/bigquery/v2/",
		"https://bigquery.googleapis.com/bigquery/v2/": "https://bigquery.googleapis.com/bigquery/v2/",
		"https://eu-bigquery.example.com/bigquery/v2":  "https://eu-bigquery.example.com/bigquery/v2/",
	} {
		if got := restBase(in); got != want {
			t.Errorf("restBase(%s) = %s, want %s", in, got, want)
		}
	}
}
