package migrate

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden converts the real dashboards in testdata (see
// testdata/README.md for their sources) and compares the dashboards and
// reports with testdata/golden.
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		file   string
		source Source
	}{
		{"altinity-delta-increase.json", Altinity},
		{"clickhouse-official-system.json", ClickHouse},
		{"postgres-altinity-e2e.json", Postgres},
	} {
		t.Run(c.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			out, rep, err := Dashboard(in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkConverted(t, in, out, c.source, rep)
			base := filepath.Join("testdata", "golden", strings.TrimSuffix(c.file, ".json"))
			golden(t, base+".json", out)
			golden(t, base+".report.txt", []byte(rep.String()))
		})
	}
}

// checkConverted: every panel is kept, no reference to the source plugin
// remains, and every query of the source plugin is converted.
func checkConverted(t *testing.T, in, out []byte, s Source, rep Report) {
	t.Helper()
	if n := count(in, `"panels"`); n != count(out, `"panels"`) {
		t.Errorf("panels lists: %d in, %d out", n, count(out, `"panels"`))
	}
	for id, src := range SourceOf {
		if src == s && bytes.Contains(out, []byte(`"`+id+`"`)) {
			t.Errorf("the output still names %s", id)
		}
	}
	if rep.Queries[s] == 0 {
		t.Errorf("no %s query converted: %+v", s, rep)
	}
	var root map[string]any
	if err := json.Unmarshal(out, &root); err != nil {
		t.Fatal(err)
	}
	var walk func([]any)
	panels := 0
	walk = func(ps []any) {
		for _, p := range ps {
			m := p.(map[string]any)
			panels++
			for _, tg := range list(m["targets"]) {
				if str(tg["rawSql"]) == "" {
					t.Errorf("panel %v: a target without rawSql: %v", m["title"], tg)
				}
			}
			if sub, ok := m["panels"].([]any); ok {
				walk(sub)
			}
		}
	}
	walk(root["panels"].([]any))
	if panels != rep.Panels {
		t.Errorf("%d panels in the output, report says %d", panels, rep.Panels)
	}
}

func count(b []byte, s string) int { return bytes.Count(b, []byte(s)) }

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/migrate -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run with -update and review the diff):\n%s", path, got)
	}
}

// TestReferences: each form of data source reference is rewritten.
func TestReferences(t *testing.T) {
	in := `{"__inputs":[{"name":"DS_CH","type":"datasource","pluginId":"vertamedia-clickhouse-datasource","pluginName":"Altinity"}],
	"templating":{"list":[{"name":"db","type":"datasource","query":"vertamedia-clickhouse-datasource"},
	  {"name":"host","type":"query","datasource":"$db","query":"SELECT host FROM hosts"},
	  {"name":"f","type":"adhoc","datasource":{"type":"vertamedia-clickhouse-datasource","uid":"abc"}}]},
	"annotations":{"list":[{"name":"deploys","datasource":"${DS_CH}","query":"SELECT t, text FROM deploys WHERE $timeFilter","dateTimeColDataType":"t"}]},
	"panels":[{"type":"row","collapsed":true,"title":"r","panels":[
	  {"title":"p","datasource":"${DS_CH}","targets":[{"refId":"A","query":"$rate(count() c) FROM $table","table":"t","dateTimeColDataType":"ts","intervalFactor":1,"format":"time_series"}]}]},
	  {"title":"lib","libraryPanel":{"uid":"u","name":"shared"}},
	  {"title":"prom","datasource":{"type":"prometheus","uid":"p"},"targets":[{"refId":"A","expr":"up"}]}]}`
	out, rep, err := Dashboard([]byte(in), Options{UIDs: map[string]string{"clickhouse": "quarry-ch"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`"pluginId": "bigtent-quarry-datasource"`, `"query": "bigtent-quarry-datasource"`, `"uid": "quarry-ch"`,
		`"uid": "${DS_CH}"`, `"rawSql": "$rate(count() c) FROM $table"`, `"dateTimeColDataType": "ts"`, `"expr": "up"`,
		`"rawSql": "SELECT host FROM hosts"`, `"libraryPanel"`, `"format": "annotations"`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "vertamedia") {
		t.Errorf("output still names the Altinity plugin:\n%s", s)
	}
	if rep.Panels != 4 || rep.Queries[Altinity] != 3 {
		t.Errorf("report %+v", rep)
	}
	if !strings.Contains(rep.String(), "library panel") {
		t.Errorf("report does not mention the library panel:\n%s", rep)
	}
}

// TestRefusedQueryReported: a query Quarry's planner refuses is reported
// with its position.
func TestRefusedQueryReported(t *testing.T) {
	in := `{"panels":[{"title":"bad","datasource":{"type":"grafana-postgresql-datasource","uid":"x"},"targets":[{"refId":"A","rawSql":"DELETE FROM t","format":"table"}]}]}`
	_, rep, err := Dashboard([]byte(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Message, "DELETE") || !strings.Contains(rep.Problems[0].Message, "line 1, column 1") {
		t.Fatalf("problems %+v", rep.Problems)
	}
}

func TestNotJSON(t *testing.T) {
	if _, _, err := Dashboard([]byte("{"), Options{}); err == nil {
		t.Fatal("no error for broken JSON")
	}
}
