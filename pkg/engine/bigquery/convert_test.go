package bigquery

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/frames"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dumpTable renders every value of every column, one line per cell, for
// golden comparisons.
func dumpTable(t *frames.Table) string {
	var b strings.Builder
	for _, s := range t.Specs() {
		fmt.Fprintf(&b, "# %s %s kind=%s precision=%d scale=%d\n", s.Name, s.DBType, s.Kind, s.Precision, s.Scale)
	}
	for r := 0; r < t.Len(); r++ {
		fmt.Fprintf(&b, "row %d\n", r)
		for _, c := range t.Columns() {
			fmt.Fprintf(&b, "  %s = ", c.Spec().Name)
			if c.IsNull(r) {
				b.WriteString("NULL\n")
				continue
			}
			switch col := c.(type) {
			case *frames.Builder[int64]:
				fmt.Fprintf(&b, "int64 %d\n", col.Values()[r])
			case *frames.Builder[float64]:
				fmt.Fprintf(&b, "float64 %v\n", col.Values()[r])
			case *frames.Builder[bool]:
				fmt.Fprintf(&b, "bool %v\n", col.Values()[r])
			case *frames.Times:
				fmt.Fprintf(&b, "time %s\n", col.Time(r).Format(time.RFC3339Nano))
			case *frames.Strings:
				fmt.Fprintf(&b, "string %q\n", col.Value(r))
			case *frames.JSONs:
				fmt.Fprintf(&b, "json %s\n", col.Values()[r])
			default:
				fmt.Fprintf(&b, "%T\n", c)
			}
		}
	}
	if t.Truncated() {
		b.WriteString("truncated\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func loadPage(t *testing.T, name string) *pageHeader {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var h pageHeader
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	return &h
}

func convertPage(t *testing.T, h *pageHeader, opts frames.TableOptions) (*frames.Table, bool) {
	t.Helper()
	tbl := frames.NewTable(columnSpecs(newTypeMap(), h.Schema), opts)
	ws, err := newWriters(tbl, h.Schema)
	if err != nil {
		t.Fatal(err)
	}
	more, err := appendPage(tbl, ws, h.Rows)
	if err != nil {
		t.Fatal(err)
	}
	return tbl, more
}

func TestConvertAllTypes(t *testing.T) {
	h := loadPage(t, "page_alltypes.json")
	tbl, more := convertPage(t, h, frames.TableOptions{})
	if !more || tbl.Len() != 3 {
		t.Fatalf("rows = %d more = %v, want 3 true", tbl.Len(), more)
	}
	golden(t, "page_alltypes.golden", dumpTable(tbl))
}

func TestConvertNumericAsFloat(t *testing.T) {
	h := loadPage(t, "page_alltypes.json")
	tbl, _ := convertPage(t, h, frames.TableOptions{NumericAsFloat: true})
	n, ok := tbl.Column(2).(*frames.Builder[float64])
	if !ok {
		t.Fatalf("numeric column is %T with NumericAsFloat", tbl.Column(2))
	}
	if got := n.Values()[0]; got != 12345678901234567890.123456789 {
		t.Errorf("numeric as float = %v", got)
	}
}

func TestConvertRowCap(t *testing.T) {
	h := loadPage(t, "page_alltypes.json")
	tbl, more := convertPage(t, h, frames.TableOptions{MaxRows: 2})
	if more || tbl.Len() != 2 {
		t.Fatalf("rows = %d more = %v, want 2 false", tbl.Len(), more)
	}
}

func TestScannerErrors(t *testing.T) {
	for _, bad := range []string{
		`[{"f":[{"v":"1"}`,
		`[{"f":[{"v":"1"}]}`,
		`[{"f":[{"v":"1}]}]`,
		`{"f":[]}`,
		`[{"g":1}]`,
	} {
		sc := newRowScanner([]byte(bad))
		var err error
		for {
			var ok bool
			ok, err = sc.nextRow()
			if err != nil || !ok {
				break
			}
			if _, err = sc.cell(true); err != nil {
				break
			}
			if err = sc.endRow(); err != nil {
				break
			}
		}
		if err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := map[string]string{
		"1704067200123456":               "2024-01-01T00:00:00.123456Z",
		"-1":                             "1969-12-31T23:59:59.999999Z",
		"1.7040672E9":                    "2024-01-01T00:00:00Z",
		"1704067200.5":                   "2024-01-01T00:00:00.5Z",
		"1704067200.000001":              "2024-01-01T00:00:00.000001Z",
		"2024-01-01T00:00:00Z":           "2024-01-01T00:00:00Z",
		"2024-01-01 00:00:00.5+00":       "2024-01-01T00:00:00.5Z",
		"2024-01-01 01:00:00+01:00":      "2024-01-01T00:00:00Z",
		"2024-01-01 00:00:00.123456 UTC": "2024-01-01T00:00:00.123456Z",
	}
	for in, want := range tests {
		got, err := parseTimestamp([]byte(in))
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("parseTimestamp(%s) = %s, %v; want %s", in, got.Format(time.RFC3339Nano), err, want)
		}
	}
	if _, err := parseTimestamp([]byte("abc")); err == nil {
		t.Error("parseTimestamp(abc): no error")
	}
	if _, err := parseDateTime([]byte("2024-01-01X00:00:00")); err == nil {
		t.Error("parseDateTime: no error for bad separator")
	}
}

func TestShards(t *testing.T) {
	plain, fam := groupShards([]string{"events", "events_20240101", "events_20240102", "x20240101", "logs_2024010", "a_20241399", "20240105"})
	if got := strings.Join(plain, ","); got != "events,x20240101,logs_2024010,a_20241399,20240105" {
		t.Errorf("plain = %s", got)
	}
	if got := strings.Join(fam, ","); got != "events_*" {
		t.Errorf("families = %s", got)
	}
}
