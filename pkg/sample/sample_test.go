package sample

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/sample")

const goldenDir = "../../testdata/sample"

// digest hashes every row of every table, through the COPY text encoding.
func digest(t *testing.T, g *Generator) string {
	t.Helper()
	h := sha256.New()
	for _, tb := range Tables() {
		if err := WriteCopyText(h, g, tb.Name); err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	a, b := digest(t, New()), digest(t, New())
	if a != b {
		t.Fatalf("two generators with the same seed differ: %s vs %s", a, b)
	}
	if c := digest(t, NewWithSeed(7)); c == a {
		t.Fatalf("another seed gave the same rows")
	}
	checkGolden(t, "digest.txt", []byte(a+"\n"))
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/sample -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generator's output; if the change is intended, run go test ./pkg/sample -update\n--- got\n%s", path, got)
	}
}

func TestGoldenCounts(t *testing.T) {
	g := New()
	got, err := json.MarshalIndent(map[string]Counts{"full": g.Counts(), "bigquery_emulator": g.EmulatorCounts()}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "counts.json", append(got, '\n'))
	// README.md must state the same numbers.
	readme, err := os.ReadFile(filepath.Join(goldenDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	full, emu := g.Counts(), g.EmulatorCounts()
	for _, n := range full.Names() {
		row := fmt.Sprintf("| `%s` | %d | %d |", n, full[n], emu[n])
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("testdata/sample/README.md lacks the row %q", row)
		}
	}
}

func TestGoldenDDL(t *testing.T) {
	for _, d := range []string{DialectPostgres, DialectClickHouse, DialectDuckDB} {
		t.Run(d, func(t *testing.T) {
			s, err := DDLScript(d)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "schema."+d+".sql", []byte(s))
		})
	}
	if _, err := DDL(DialectBigQuery); err == nil {
		t.Errorf("DDL(bigquery) should fail: BigQuery tables come from the emulator YAML")
	}
	if _, err := NativeType("oracle", Text); err == nil || !strings.Contains(err.Error(), "oracle") {
		t.Errorf("NativeType(oracle) error = %v, want one naming the dialect", err)
	}
}

func TestHTTPRequestsShape(t *testing.T) {
	g := New()
	statuses, hosts, services, regions, methods := map[int32]int{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	var peak, trough float64 // api requests at 16:00 and 04:00 US-east local on weekdays
	var n int64
	prev := Start
	for r := range g.HTTPRequests() {
		n++
		if r.TS.Before(prev) {
			t.Fatalf("rows out of time order at %s", r.TS)
		}
		prev = r.TS
		statuses[r.Status]++
		hosts[r.Host], services[r.Service], regions[r.Region], methods[r.Method] = true, true, true, true
		if r.Errors > r.Requests || r.Requests <= 0 || r.LatencyMS <= 0 || r.Bytes <= 0 {
			t.Fatalf("implausible row %+v", r)
		}
		if r.Service == "api" && r.Region == "us-east-1" && r.TS.Weekday() != time.Saturday && r.TS.Weekday() != time.Sunday {
			switch r.TS.Hour() {
			case 21: // 16:00 UTC-5
				peak += float64(r.Requests)
			case 9: // 04:00 UTC-5
				trough += float64(r.Requests)
			}
		}
	}
	if n != 24*43200 {
		t.Errorf("got %d rows, want 24 series x 43,200 minutes", n)
	}
	for _, s := range []int32{200, 201, 301, 404, 500, 503} {
		if statuses[s] == 0 {
			t.Errorf("no row with status %d", s)
		}
	}
	if len(hosts) != 8 || !hosts["web-1"] || !hosts["web-8"] || len(services) != 6 || len(regions) != 3 || len(methods) != 4 {
		t.Errorf("hosts %v services %v regions %v methods %v", hosts, services, regions, methods)
	}
	if peak < 2*trough {
		t.Errorf("no diurnal pattern: peak-hour requests %.0f, trough-hour %.0f", peak, trough)
	}
	// Error bursts: some minutes where a series fails more than 10% of requests.
	bursts := 0
	for r := range g.HTTPRequests() {
		if r.Errors*10 > r.Requests {
			bursts++
		}
	}
	if bursts < 100 {
		t.Errorf("only %d rows in error bursts", bursts)
	}
}

func TestOtherTablesShape(t *testing.T) {
	g := New()
	levels := map[string]int{}
	for l := range g.Logs() {
		levels[l.Level]++
		var labels map[string]string
		if err := json.Unmarshal([]byte(l.Labels), &labels); err != nil || labels["region"] == "" {
			t.Fatalf("labels %q: %v", l.Labels, err)
		}
		if l.TS.Before(Start) || !l.TS.Before(End) {
			t.Fatalf("log outside the window: %s", l.TS)
		}
	}
	for _, lv := range []string{"debug", "info", "warn", "error"} {
		if levels[lv] == 0 {
			t.Errorf("no %s logs", lv)
		}
	}
	purchases := 0
	for e := range g.Events() {
		if e.EventS != e.EventTime.Unix() || e.EventMS/1000 != e.EventS || !e.EventDate.Equal(e.EventTime.Truncate(24*time.Hour)) {
			t.Fatalf("inconsistent event times %+v", e)
		}
		if (e.Name == "purchase") != (e.AmountCents > 0) {
			t.Fatalf("amount %d on %s", e.AmountCents, e.Name)
		}
		if e.Name == "purchase" {
			purchases++
		}
	}
	if purchases == 0 {
		t.Error("no purchases")
	}
	rollbacks := 0
	for d := range g.Deploys() {
		if !d.EndTS.After(d.TS) || len(d.Tags) < 3 || d.Tags[0] != "deploy" {
			t.Fatalf("bad deploy %+v", d)
		}
		if strings.HasPrefix(d.Title, "Rollback") {
			rollbacks++
		}
	}
	if rollbacks == 0 {
		t.Error("no rollbacks")
	}
}

func TestEncodings(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\there", `tab\there`},
		{"line\nbreak\r", `line\nbreak\r`},
		{`back\slash`, `back\\slash`},
		{`quote "q"`, `quote "q"`},
	} {
		if got := string(copyText(nil, c.in)); got != c.want {
			t.Errorf("copyText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, "{}"},
		{[]string{"a", "b c"}, `{"a","b c"}`},
		{[]string{`q"`, `b\`}, `{"q\"","b\\"}`},
	} {
		if got := pgArray(c.in); got != c.want {
			t.Errorf("pgArray(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   int64
		want string
	}{{0, "0.00"}, {5, "0.05"}, {1234, "12.34"}, {-250, "-2.50"}} {
		if got := FormatCents(c.in); got != c.want {
			t.Errorf("FormatCents(%d) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := yamlString("naïve \"x\"\t\\"); got != `"naïve \"x\"\t\\"` {
		t.Errorf("yamlString = %s", got)
	}
}

func TestEmulatorYAML(t *testing.T) {
	var buf bytes.Buffer
	g := New()
	if err := WriteEmulatorYAML(&buf, g, "quarry", "sample"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	emu := g.EmulatorCounts()
	var total int64
	for _, n := range emu.Names() {
		total += emu[n]
		id := n
		if !strings.Contains(out, "    - id: "+id+"\n") {
			t.Errorf("YAML lacks table %s", id)
		}
	}
	if rows := int64(strings.Count(out, "\n      - {") - strings.Count(out, "\n      - {name:")); rows != total {
		t.Errorf("YAML holds %d data rows, want %d", rows, total)
	}
	if !strings.Contains(out, "{name: tags, type: STRING, mode: REPEATED}") {
		t.Error("tags is not a REPEATED STRING column")
	}
}
