package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

func printPlan(w io.Writer, p *sqlplan.Plan) {
	if p == nil {
		return
	}
	fmt.Fprintln(w, "── plan")
	fmt.Fprintln(w, sqlplan.Explain(p))
}

func printCost(w io.Writer, c engine.Cost, b engine.Budget) {
	fmt.Fprintln(w, "── cost")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  kind\t%s\n", c.Kind)
	if c.Bytes > 0 || c.Kind == engine.CostExact {
		fmt.Fprintf(tw, "  bytes\t%s\n", bytesText(c.Bytes))
	} else {
		fmt.Fprintf(tw, "  bytes\tn/a (not estimated by this engine)\n")
	}
	fmt.Fprintf(tw, "  rows\t%d\n", c.Rows)
	if c.USD > 0 || c.Kind == engine.CostExact {
		fmt.Fprintf(tw, "  usd\t$%.6f\n", c.USD)
	}
	if c.EngineCost > 0 {
		fmt.Fprintf(tw, "  engine cost\t%.2f\n", c.EngineCost)
	}
	if len(c.ReferencedTables) > 0 {
		fmt.Fprintf(tw, "  tables\t%s\n", strings.Join(c.ReferencedTables, ", "))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(tw, "  note\t%s\n", n)
	}
	if !b.IsZero() {
		fmt.Fprintf(tw, "  budget\tbytes ≤ %s, usd ≤ %g, rows ≤ %d (0 = unlimited)\n", bytesText(b.MaxBytes), b.MaxUSD, b.MaxRows)
	}
	tw.Flush()
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// printFrames prints each frame as an aligned table with at most maxRows
// rows (0 = all), plus its notices and stats.
func printFrames(w io.Writer, frames data.Frames, maxRows int) {
	for i, f := range frames {
		rows, _ := f.RowLen()
		name := f.Name
		if name == "" {
			name = f.RefID
		}
		kind := ""
		if f.Meta != nil && f.Meta.Type != "" {
			kind = " (" + string(f.Meta.Type) + ")"
		}
		fmt.Fprintf(w, "── frame %d/%d %s%s: %d rows × %d fields\n", i+1, len(frames), name, kind, rows, len(f.Fields))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		header := make([]string, len(f.Fields))
		for j, fd := range f.Fields {
			header[j] = fieldTitle(fd)
		}
		fmt.Fprintln(tw, "  "+strings.Join(header, "\t")+"\t")
		shown := rows
		if maxRows > 0 && shown > maxRows {
			shown = maxRows
		}
		cells := make([]string, len(f.Fields))
		for r := 0; r < shown; r++ {
			for j, fd := range f.Fields {
				cells[j] = cellText(fd, r)
			}
			fmt.Fprintln(tw, "  "+strings.Join(cells, "\t")+"\t")
		}
		tw.Flush()
		if shown < rows {
			fmt.Fprintf(w, "  … %d more rows\n", rows-shown)
		}
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				fmt.Fprintf(w, "  notice (%s): %s\n", n.Severity, n.Text)
			}
			var stats []string
			for _, s := range f.Meta.Stats {
				stats = append(stats, fmt.Sprintf("%s=%g", s.DisplayName, s.Value))
			}
			if len(stats) > 0 && i == len(frames)-1 {
				fmt.Fprintf(w, "  stats: %s\n", strings.Join(stats, " "))
			}
		}
	}
	if len(frames) == 0 {
		fmt.Fprintln(w, "── no frames")
	}
}

func fieldTitle(f *data.Field) string {
	name := f.Name
	if len(f.Labels) > 0 {
		name += f.Labels.String()
	}
	return name
}

func cellText(f *data.Field, i int) string {
	v, ok := f.ConcreteAt(i)
	if !ok || v == nil {
		return "NULL"
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999Z07:00")
	case float64:
		return fmt.Sprintf("%.6g", x)
	case float32:
		return fmt.Sprintf("%.6g", x)
	case []byte:
		return string(x)
	default:
		s := fmt.Sprint(x)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return strings.ReplaceAll(s, "\n", " ")
	}
}

// writeCSV writes every frame as CSV (a blank line between frames).
func writeCSV(w io.Writer, frames data.Frames) error {
	cw := csv.NewWriter(w)
	for i, f := range frames {
		if i > 0 {
			cw.Flush()
			fmt.Fprintln(w)
		}
		header := make([]string, len(f.Fields))
		for j, fd := range f.Fields {
			header[j] = fieldTitle(fd)
		}
		if err := cw.Write(header); err != nil {
			return err
		}
		rows, _ := f.RowLen()
		rec := make([]string, len(f.Fields))
		for r := 0; r < rows; r++ {
			for j, fd := range f.Fields {
				v, ok := fd.ConcreteAt(r)
				switch {
				case !ok || v == nil:
					rec[j] = ""
				case isTime(v):
					rec[j] = v.(time.Time).UTC().Format(time.RFC3339Nano)
				default:
					rec[j] = fmt.Sprint(v)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func isTime(v any) bool { _, ok := v.(time.Time); return ok }
