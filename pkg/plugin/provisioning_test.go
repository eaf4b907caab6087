package plugin

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"gopkg.in/yaml.v3"
)

// TestProvisionedDataSources checks that every provisioned data source's
// settings pass the same validation as instance creation.
func TestProvisionedDataSources(t *testing.T) {
	raw, err := os.ReadFile("../../provisioning/datasources/quarry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Datasources []struct {
			Name, UID, Type string
			JSONData        map[string]any    `yaml:"jsonData"`
			Secure          map[string]string `yaml:"secureJsonData"`
		}
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	engines := map[string]bool{}
	for _, ds := range file.Datasources {
		if ds.Type != PluginID {
			t.Errorf("%s: type %q, want %s", ds.Name, ds.Type, PluginID)
		}
		js, _ := json.Marshal(ds.JSONData)
		cfg, err := ParseConfig(js, ds.Secure)
		if err == nil {
			err = ValidateEngine(cfg)
		}
		if err != nil {
			t.Errorf("%s: %v", ds.Name, err)
		}
		engines[cfg.Engine] = true
	}
	for _, e := range EngineNames() {
		if !engines[e] {
			t.Errorf("no provisioned data source for %s", e)
		}
	}
}

// TestProvisionedDashboardRuns runs every query of the sample dashboard
// (panels, annotation, variable) on the DuckDB sample, with the dashboard's
// own time range and the service variable set to All as Grafana sends it.
func TestProvisionedDashboardRuns(t *testing.T) {
	raw, err := os.ReadFile("../../provisioning/dashboards/quarry-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Time        struct{ From, To string }
		Templating  struct{ List []map[string]any }
		Annotations struct {
			List []struct {
				Target map[string]any
			}
		}
		Panels []struct {
			Title   string
			Type    string
			Targets []map[string]any
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	from, _ := time.Parse(time.RFC3339, dash.Time.From)
	to, _ := time.Parse(time.RFC3339, dash.Time.To)
	interpolate := func(sql string) string {
		return strings.NewReplacer("${service:sqlstring}", "'api','web'", "$service", "$__all").Replace(sql)
	}
	var queries []backend.DataQuery
	add := func(ref string, target map[string]any, qtype string) {
		target["rawSql"] = interpolate(target["rawSql"].(string))
		js, _ := json.Marshal(target)
		queries = append(queries, backend.DataQuery{RefID: ref, QueryType: qtype, JSON: js, Interval: 5 * time.Minute,
			MaxDataPoints: 600, TimeRange: backend.TimeRange{From: from, To: to}})
	}
	kinds := map[string]bool{}
	for _, p := range dash.Panels {
		kinds[p.Type] = true
		for _, tg := range p.Targets {
			add(p.Title, tg, "")
		}
	}
	for _, a := range dash.Annotations.List {
		add("annotation", a.Target, "")
	}
	for _, v := range dash.Templating.List {
		kinds["var:"+v["type"].(string)] = true
		if q, ok := v["query"].(map[string]any); ok {
			add("variable", q, QueryTypeVariable)
		}
	}
	for _, want := range []string{"timeseries", "table", "var:adhoc"} {
		if !kinds[want] {
			t.Errorf("the dashboard has no %s", want)
		}
	}
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries})
	if err != nil {
		t.Fatal(err)
	}
	for ref, r := range resp.Responses {
		if r.Error != nil {
			t.Errorf("%s: %v", ref, r.Error)
		} else if len(r.Frames) == 0 || r.Frames[0].Rows() == 0 {
			t.Errorf("%s: no rows", ref)
		}
	}
	if len(resp.Responses) != len(queries) {
		t.Errorf("%d responses for %d queries", len(resp.Responses), len(queries))
	}
}
