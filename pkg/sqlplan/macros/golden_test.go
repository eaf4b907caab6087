package macros

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// Golden files (testdata/*.golden) hold cases separated by blank lines:
//
//	# env: dialect=postgres tz=UTC version= interval=60000 fill=
//	SELECT $__timeFilter(t_instant)
//	=> SELECT t_instant BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-02T00:00:00Z'
//	~ warn unreplaced_variable@12
//	~ fill previous 1m0s
//
// An "# env:" line sets the environment of the cases after it (the time
// range is always 2024-01-01T00:00:00Z..2024-01-02T00:00:00Z). "=>" is the
// expected SQL ($__adHocFilters shows as <ADHOC>), "=!" the expected error.
// Column names give the column's time kind through the TypeResolver:
// t_instant, t_wall, t_dt64, t_date, t_s, t_ms, t_us, t_ns; anything else is
// of unknown type. Run `go test ./pkg/sqlplan/macros -update` to rewrite.

var goldenFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
var goldenTo = time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)

func goldenResolver(expr string, _ int) (dialect.TimeKind, bool) {
	name := expr
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Trim(name, "`\"")
	k, ok := map[string]dialect.TimeKind{
		"t_instant": dialect.Instant, "t_wall": dialect.Wall, "t_dt64": dialect.Instant64, "t_date": dialect.Date,
		"t_s": dialect.EpochSeconds, "t_ms": dialect.EpochMillis, "t_us": dialect.EpochMicros, "t_ns": dialect.EpochNanos,
	}[name]
	return k, ok
}

type goldenCase struct {
	env   string
	input string
	want  string // "=> ..." / "=! ..." and "~ ..." lines
}

func parseGolden(t *testing.T, text string) (cases []goldenCase) {
	env := ""
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		var in, want []string
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "# env:"):
				env = strings.TrimSpace(strings.TrimPrefix(line, "# env:"))
			case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" && len(in) == 0:
			case strings.HasPrefix(line, "=> ") || strings.HasPrefix(line, "=! ") || strings.HasPrefix(line, "~ ") || line == "=>":
				want = append(want, line)
			default:
				in = append(in, line)
			}
		}
		if len(in) > 0 {
			cases = append(cases, goldenCase{env: env, input: strings.Join(in, "\n"), want: strings.Join(want, "\n")})
		}
	}
	return cases
}

func goldenEnv(spec string) (*Env, error) {
	c := Config{From: goldenFrom, To: goldenTo, IntervalMs: 60000, Resolve: goldenResolver}
	for _, f := range strings.Fields(spec) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "dialect":
			c.Dialect = dialect.Name(v)
		case "tz":
			c.Timezone = v
		case "version":
			c.ServerVersion = v
		case "interval":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, err
			}
			c.IntervalMs = n
		case "fill":
			c.Fill = v
		default:
			return nil, fmt.Errorf("unknown env key %q", k)
		}
	}
	return NewEnv(c)
}

// runCase expands one input and renders the result in golden form.
func runCase(env *Env, input string) string {
	toks, err := lexer.Lex(input, env.Dialect().Name())
	if err != nil {
		return "=! lex: " + err.Error()
	}
	res, err := ExpandAll(input, toks, env)
	if err != nil {
		msg := err.Error()
		if e, ok := AsError(err); ok {
			msg = fmt.Sprintf("@%d %s", e.Offset, msg)
		}
		return "=! " + msg
	}
	var b strings.Builder
	last := 0
	for _, e := range res.Edits {
		b.WriteString(input[last:e.Start])
		b.WriteString(e.Text)
		if e.AdHoc {
			b.WriteString("<ADHOC>")
		}
		last = e.End
	}
	b.WriteString(input[last:])
	out := "=> " + strings.ReplaceAll(b.String(), "\n", "\n=> ")
	for _, w := range res.Warnings {
		out += fmt.Sprintf("\n~ warn %s@%d", w.Code, w.Offset)
	}
	if res.Fill != nil {
		f := res.Fill
		out += fmt.Sprintf("\n~ fill %s", f.Mode)
		if f.Mode == FillValue {
			out += " " + strconv.FormatFloat(f.Value, 'g', -1, 64)
		}
		out += " " + f.Interval.String()
		if f.Months > 0 {
			out += fmt.Sprintf(" months=%d", f.Months)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata/")
	}
	sort.Strings(files)
	total := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases := parseGolden(t, string(raw))
		total += len(cases)
		var out strings.Builder
		lastEnv := ""
		for i, c := range cases {
			env, err := goldenEnv(c.env)
			if err != nil {
				t.Fatalf("%s case %d: env %q: %v", file, i+1, c.env, err)
			}
			got := runCase(env, c.input)
			if *update {
				if c.env != lastEnv {
					fmt.Fprintf(&out, "# env: %s\n", c.env)
					lastEnv = c.env
				}
				fmt.Fprintf(&out, "%s\n%s\n\n", c.input, got)
				continue
			}
			if got != c.want {
				t.Errorf("%s case %d [%s]\n%s\ngot:\n%s\nwant:\n%s", file, i+1, c.env, c.input, got, c.want)
			}
		}
		if *update {
			if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d golden cases in %d files", total, len(files))
}
