package sample

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoadPostgres creates schema sample and its tables in the database conn is
// connected to, and loads every table whose row count differs from the
// generator's (emptying it first). Rows stream through COPY in text format.
func LoadPostgres(ctx context.Context, conn *pgx.Conn, g *Generator) ([]LoadReport, error) {
	stmts, err := DDL(DialectPostgres)
	if err != nil {
		return nil, err
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("sample: postgres DDL %q: %w", firstLine(s), err)
		}
	}
	want := g.Counts()
	var reps []LoadReport
	for _, t := range Tables() {
		name := t.Name
		rep, err := loadTable(ctx, name, want[name],
			func(ctx context.Context) (n int64, err error) {
				err = conn.QueryRow(ctx, "SELECT count(*) FROM "+Schema+"."+name).Scan(&n)
				return n, err
			},
			func(ctx context.Context) error {
				_, err := conn.Exec(ctx, "TRUNCATE "+Schema+"."+name)
				return err
			},
			func(ctx context.Context) (int64, error) { return copyPostgres(ctx, conn, g, t) },
		)
		if err != nil {
			return reps, err
		}
		reps = append(reps, rep)
	}
	loaded := false
	for _, r := range reps {
		loaded = loaded || !r.Skipped
	}
	if !loaded {
		return reps, nil
	}
	for _, s := range PostgresIndexes() {
		if _, err := conn.Exec(ctx, s); err != nil {
			return reps, fmt.Errorf("sample: postgres %q: %w", s, err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE "+Schema+".http_requests, "+Schema+".events, "+Schema+".logs, "+Schema+".deploys"); err != nil {
		return reps, fmt.Errorf("sample: postgres ANALYZE: %w", err)
	}
	return reps, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// copyPostgres streams one table into COPY ... FROM STDIN (text format).
func copyPostgres(ctx context.Context, conn *pgx.Conn, g *Generator, t Table) (int64, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WriteCopyText(pw, g, t.Name)) }()
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Name
	}
	tag, err := conn.PgConn().CopyFrom(ctx, pr, fmt.Sprintf("COPY %s.%s (%s) FROM STDIN", Schema, t.Name, strings.Join(cols, ", ")))
	pr.CloseWithError(err) // unblock the writer if COPY failed early
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// WriteCopyText writes the rows of one table in PostgreSQL's COPY text
// format (tab-separated, backslash escapes), in the column order of Tables().
func WriteCopyText(w io.Writer, g *Generator, table string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	// Consecutive rows often share a timestamp: format it once.
	var lastT time.Time
	var lastS []byte
	tsz := func(b []byte, t time.Time) []byte {
		if !t.Equal(lastT) || lastS == nil {
			lastT, lastS = t, t.UTC().AppendFormat(lastS[:0], "2006-01-02 15:04:05+00")
		}
		return append(b, lastS...)
	}
	switch table {
	case TableHTTPRequests:
		for r := range g.HTTPRequests() {
			buf = tsz(buf[:0], r.TS)
			buf = append(buf, '\t')
			buf = copyText(buf, r.Host)
			buf = append(buf, '\t')
			buf = copyText(buf, r.Service)
			buf = append(buf, '\t')
			buf = copyText(buf, r.Region)
			buf = append(buf, '\t')
			buf = copyText(buf, r.Method)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, int64(r.Status), 10)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, r.Requests, 10)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, r.Errors, 10)
			buf = append(buf, '\t')
			buf = strconv.AppendFloat(buf, r.LatencyMS, 'g', -1, 64)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, r.Bytes, 10)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	case TableEvents:
		for e := range g.Events() {
			buf = e.EventDate.AppendFormat(buf[:0], "2006-01-02")
			buf = append(buf, '\t')
			buf = e.EventTime.AppendFormat(buf, "2006-01-02 15:04:05")
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, e.EventMS, 10)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, e.EventS, 10)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, e.UserID, 10)
			buf = append(buf, '\t')
			buf = copyText(buf, e.Name)
			buf = append(buf, '\t')
			buf = copyText(buf, e.Country)
			buf = append(buf, '\t')
			buf = append(buf, e.Amount()...)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	case TableLogs:
		for l := range g.Logs() {
			buf = tsz(buf[:0], l.TS)
			buf = append(buf, '\t')
			buf = copyText(buf, l.Level)
			buf = append(buf, '\t')
			buf = copyText(buf, l.Message)
			buf = append(buf, '\t')
			buf = copyText(buf, l.Labels)
			buf = append(buf, '\t')
			buf = copyText(buf, l.Service)
			buf = append(buf, '\t')
			buf = copyText(buf, l.Host)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	case TableDeploys:
		for d := range g.Deploys() {
			buf = tsz(buf[:0], d.TS)
			buf = append(buf, '\t')
			buf = tsz(buf, d.EndTS)
			buf = append(buf, '\t')
			buf = copyText(buf, d.Title)
			buf = append(buf, '\t')
			buf = copyText(buf, d.Text)
			buf = append(buf, '\t')
			buf = copyText(buf, pgArray(d.Tags))
			buf = append(buf, '\t')
			buf = copyText(buf, d.Service)
			buf = append(buf, '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("sample: unknown table %q", table)
	}
	return bw.Flush()
}

// copyText appends s escaped for COPY text format.
func copyText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}

// pgArray renders a text[] literal: {"a","b"} with quotes and backslashes escaped.
func pgArray(vals []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
