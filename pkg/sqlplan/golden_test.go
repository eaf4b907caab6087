package sqlplan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/golden/*.txtar from the planner's output")

// Golden files: testdata/golden/*.txtar. Each archive holds:
//
//	defaults.json       optional: request fields shared by the file's cases
//	NAME/input.sql      the rawSql of case NAME (without the final newline)
//	NAME/request.json   optional: request fields of the case, over the defaults
//	NAME/want.sql       expected final SQL          } written by -update;
//	NAME/plan.json      expected statement, steps,  } a case expects either
//	                    warnings, row cap and fill  } these two or error.json
//	NAME/error.json     expected error {"message","line","column"}
//
// Run `go test ./pkg/sqlplan -run TestGolden -update` to rewrite the expected
// sections, then review the diff: the goldens are the specification.

type goldenCase struct {
	name     string
	input    string
	req      []byte
	hasInput bool
}

type planView struct {
	Statement  string            `json:"statement"`
	Steps      []sqlplan.Step    `json:"steps"`
	Warnings   []sqlplan.Warning `json:"warnings,omitempty"`
	RowCap     int64             `json:"rowCap,omitempty"`
	LimitAdded bool              `json:"limitAdded,omitempty"`
	Fill       *sqlplan.Fill     `json:"fill,omitempty"`
}

type errView struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func goldenFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files under testdata/golden")
	}
	sort.Strings(files)
	out := files[:0]
	for _, f := range files {
		// corpus-*.txtar hold the expected plans of the corpus (TestCorpusGolden).
		if !strings.HasPrefix(filepath.Base(f), "corpus-") {
			out = append(out, f)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	total := 0
	for _, file := range goldenFiles(t) {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		defaults, cases, err := goldenCases(ar)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		total += len(cases)
		got := map[string][]txtar.File{}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					out := runGolden(t, defaults, c)
					got[c.name] = out
					if *update {
						return
					}
					for _, f := range out {
						want, ok := section(ar, f.Name)
						if !ok {
							t.Errorf("missing section %s; got:\n%s", f.Name, f.Data)
							continue
						}
						if !bytes.Equal(want, f.Data) {
							t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", f.Name, want, f.Data)
						}
					}
					for _, suffix := range []string{"/want.sql", "/plan.json", "/error.json"} {
						if _, ok := section(ar, c.name+suffix); ok && !hasFile(out, c.name+suffix) {
							t.Errorf("section %s is present but the planner gave the other outcome", c.name+suffix)
						}
					}
				})
			}
		})
		if *update {
			if err := rewriteGolden(file, ar, cases, got); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d golden cases", total)
}

func goldenCases(ar *txtar.Archive) ([]byte, []goldenCase, error) {
	var defaults []byte
	var cases []goldenCase
	idx := map[string]int{}
	for _, f := range ar.Files {
		if f.Name == "defaults.json" {
			defaults = f.Data
			continue
		}
		name, part, ok := strings.Cut(f.Name, "/")
		if !ok {
			return nil, nil, fmt.Errorf("section %q: want NAME/input.sql, NAME/request.json, ...", f.Name)
		}
		i, seen := idx[name]
		if !seen {
			i = len(cases)
			idx[name] = i
			cases = append(cases, goldenCase{name: name})
		}
		switch part {
		case "input.sql":
			cases[i].input = strings.TrimSuffix(string(f.Data), "\n")
			cases[i].hasInput = true
		case "request.json":
			cases[i].req = f.Data
		case "want.sql", "plan.json", "error.json":
		default:
			return nil, nil, fmt.Errorf("section %q: unknown part %q", f.Name, part)
		}
	}
	for _, c := range cases {
		if !c.hasInput {
			return nil, nil, fmt.Errorf("case %s has no input.sql", c.name)
		}
	}
	return defaults, cases, nil
}

func runGolden(t *testing.T, defaults []byte, c goldenCase) []txtar.File {
	t.Helper()
	var req sqlplan.Request
	for _, b := range [][]byte{defaults, c.req} {
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			t.Fatalf("request: %v", err)
		}
	}
	req.RawSQL = c.input
	plan, err := sqlplan.Build(context.Background(), req)
	if err != nil {
		var pe *sqlplan.Error
		if !errors.As(err, &pe) {
			t.Fatalf("Build returned %T %v, want a *sqlplan.Error", err, err)
		}
		return []txtar.File{{Name: c.name + "/error.json", Data: mustJSON(t, errView{pe.Message, pe.Line, pe.Column})}}
	}
	if plan.SQL == "" {
		t.Fatal("plan has empty SQL")
	}
	v := planView{plan.Statement, plan.Steps, plan.Warnings, plan.RowCap, plan.LimitAdded, plan.Fill}
	return []txtar.File{
		{Name: c.name + "/want.sql", Data: []byte(plan.SQL + "\n")},
		{Name: c.name + "/plan.json", Data: mustJSON(t, v)},
	}
}

// mustJSON writes one step or warning per line, so goldens diff well.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func section(ar *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

func hasFile(fs []txtar.File, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// rewriteGolden keeps the inputs in order and replaces every case's
// expected sections with the planner's output.
func rewriteGolden(file string, ar *txtar.Archive, cases []goldenCase, got map[string][]txtar.File) error {
	out := &txtar.Archive{Comment: ar.Comment}
	for _, f := range ar.Files {
		if f.Name == "defaults.json" {
			out.Files = append(out.Files, f)
		}
	}
	for _, c := range cases {
		for _, part := range []string{"input.sql", "request.json"} {
			if d, ok := section(ar, c.name+"/"+part); ok {
				out.Files = append(out.Files, txtar.File{Name: c.name + "/" + part, Data: d})
			}
		}
		out.Files = append(out.Files, got[c.name]...)
	}
	return os.WriteFile(file, txtar.Format(out), 0o644)
}
