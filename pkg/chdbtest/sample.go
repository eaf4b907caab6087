package chdbtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sample"
)

// Sample returns the shared session with the published sample (pkg/sample,
// the rows every other engine holds) loaded into database sample, with the
// same DDL as on ClickHouse 18.16, and the modern-type fixtures in database
// Modern (see ModernDDL). Loading happens once per process (about ten
// seconds for the 1.1 million rows).
func Sample(t testing.TB) *Session {
	t.Helper()
	s := Shared(t)
	shared.sampleOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		shared.sampleErr = LoadSample(ctx, s, sample.New())
		if shared.sampleErr == nil {
			shared.sampleErr = s.Exec(ctx, ModernDDL()...)
		}
		t.Logf("chdb: sample and modern fixtures loaded in %s", time.Since(start).Round(time.Millisecond))
	})
	if shared.sampleErr != nil {
		t.Fatalf("chDB sample: %v", shared.sampleErr)
	}
	return s
}

// LoadSample creates database sample with the generator's rows in s: the
// ClickHouse DDL of pkg/sample (MergeTree tables) and every row, written
// as TabSeparated to a temporary file and inserted from it.
func LoadSample(ctx context.Context, s *Session, g *sample.Generator) error {
	stmts, err := sample.DDL(sample.DialectClickHouse)
	if err != nil {
		return err
	}
	if err := s.Exec(ctx, stmts...); err != nil {
		return fmt.Errorf("chdb sample DDL: %w", err)
	}
	want := g.Counts()
	for _, tb := range sample.Tables() {
		n, err := loadTable(ctx, s, g, tb)
		if err != nil {
			return fmt.Errorf("chdb sample %s: %w", tb.Name, err)
		}
		if n != want[tb.Name] {
			return fmt.Errorf("chdb sample %s: wrote %d rows, the generator counts %d", tb.Name, n, want[tb.Name])
		}
		res, err := s.Query(ctx, "SELECT count() FROM "+sample.Schema+"."+tb.Name)
		if err != nil {
			return err
		}
		if got := res.Rows[0][0]; got != n {
			return fmt.Errorf("chdb sample %s: table holds %v rows after loading %d", tb.Name, got, n)
		}
	}
	return nil
}

// loadTable writes one table's rows as TSV and inserts them.
func loadTable(ctx context.Context, s *Session, g *sample.Generator, tb sample.Table) (int64, error) {
	f, err := os.CreateTemp("", "quarry-chdb-"+tb.Name+"-*.tsv")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	row := func(fields ...string) {
		for i, v := range fields {
			if i > 0 {
				w.WriteByte('\t')
			}
			w.WriteString(v)
		}
		w.WriteByte('\n')
		n++
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	switch tb.Name {
	case sample.TableHTTPRequests:
		for r := range g.HTTPRequests() {
			row(ts(r.TS), tsv(r.Host), tsv(r.Service), tsv(r.Region), tsv(r.Method), i64(int64(r.Status)),
				i64(r.Requests), i64(r.Errors), strconv.FormatFloat(r.LatencyMS, 'g', -1, 64), i64(r.Bytes))
		}
	case sample.TableEvents:
		for e := range g.Events() {
			row(e.EventDate.UTC().Format("2006-01-02"), ts(e.EventTime), i64(e.EventMS), i64(e.EventS), i64(e.UserID),
				tsv(e.Name), tsv(e.Country), e.Amount())
		}
	case sample.TableLogs:
		for l := range g.Logs() {
			row(ts(l.TS), tsv(l.Level), tsv(l.Message), tsv(l.Labels), tsv(l.Service), tsv(l.Host))
		}
	case sample.TableDeploys:
		for d := range g.Deploys() {
			tags := make([]string, len(d.Tags))
			for i, tag := range d.Tags {
				tags[i] = quote(tag)
			}
			row(ts(d.TS), ts(d.EndTS), tsv(d.Title), tsv(d.Text), tsv("["+strings.Join(tags, ",")+"]"), tsv(d.Service))
		}
	default:
		return 0, fmt.Errorf("no loader for sample table %q", tb.Name)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	cols := make([]string, len(tb.Columns))
	for i, c := range tb.Columns {
		typ, err := sample.NativeType(sample.DialectClickHouse, c.Type)
		if err != nil {
			return 0, err
		}
		cols[i] = c.Name + " " + typ
	}
	q := fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM file(%s, 'TabSeparated', %s)",
		sample.Schema, tb.Name, quote(f.Name()), quote(strings.Join(cols, ", ")))
	return n, s.Exec(ctx, q)
}

// tsv escapes a value for the TabSeparated format.
func tsv(s string) string {
	if !strings.ContainsAny(s, "\\\t\n\r\x00") {
		return s
	}
	return strings.NewReplacer("\\", `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`, "\x00", `\0`).Replace(s)
}

// quote renders s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer("\\", `\\`, "'", `\'`).Replace(s) + "'"
}
