package plugin

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestSchemaDatasetsProject: /schema/datasets takes a project only on an
// engine with projects (BigQuery, TestEmulatorCatalogInProject); elsewhere
// the parameter is refused with a 400 that says so, and the plain listing
// is unchanged.
func TestSchemaDatasetsProject(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	for _, tc := range []struct {
		url        string
		wantStatus int
		want       string
	}{
		{"schema/datasets", http.StatusOK, `"sample"`},
		{"schema/datasets?project=quarry", http.StatusBadRequest, "the project parameter applies to BigQuery only"},
	} {
		status, body := ds.Resource(context.Background(), http.MethodGet, "schema/datasets", tc.url, nil)
		if status != tc.wantStatus || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s = %d %s, want %d with %q", tc.url, status, body, tc.wantStatus, tc.want)
		}
	}
}
