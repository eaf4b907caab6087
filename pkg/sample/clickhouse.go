package sample

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"
)

// clickHouseBatchRows is the number of rows sent per INSERT block.
const clickHouseBatchRows = 1 << 17

// OpenClickHouse opens a native-protocol connection to addr (host:port) as
// user default without password: the setup scripts/services.sh makes.
func OpenClickHouse(ctx context.Context, addr string) (driver.Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Protocol:    clickhouse.Native,
		Auth:        clickhouse.Auth{Database: "default", Username: "default"},
		DialTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("sample: opening clickhouse %s: %w", addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sample: clickhouse %s does not answer (start it with scripts/services.sh start): %w", addr, err)
	}
	return conn, nil
}

// LoadClickHouse creates database sample and its tables and loads every table
// whose row count differs from the generator's (recreating it first). Rows
// go in columnar blocks of clickHouseBatchRows.
func LoadClickHouse(ctx context.Context, conn driver.Conn, g *Generator) ([]LoadReport, error) {
	stmts, err := DDL(DialectClickHouse)
	if err != nil {
		return nil, err
	}
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("sample: clickhouse DDL %q: %w", firstLine(s), err)
		}
	}
	create := map[string]string{}
	for i, t := range Tables() {
		create[t.Name] = stmts[i+1]
	}
	want := g.Counts()
	var reps []LoadReport
	for _, t := range Tables() {
		name := t.Name
		rep, err := loadTable(ctx, name, want[name],
			func(ctx context.Context) (int64, error) {
				var n uint64
				err := conn.QueryRow(ctx, "SELECT count() FROM "+Schema+"."+name).Scan(&n)
				return int64(n), err
			},
			func(ctx context.Context) error {
				if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+Schema+"."+name); err != nil {
					return err
				}
				return conn.Exec(ctx, create[name])
			},
			func(ctx context.Context) (int64, error) { return insertClickHouse(ctx, conn, g, name) },
		)
		if err != nil {
			return reps, err
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

// chBlock accumulates typed columns and sends them as one INSERT block.
type chBlock struct {
	ctx   context.Context
	conn  driver.Conn
	table string
	cols  []any // one typed slice per column
	rows  int
	total int64
}

func (b *chBlock) flush() error {
	if b.rows == 0 {
		return nil
	}
	// ClickHouse 18.16 sends an empty insert header unless the columns are named.
	batch, err := b.conn.PrepareBatch(b.ctx, "INSERT INTO "+Schema+"."+b.table+" ("+columnList(b.table)+")")
	if err != nil {
		return err
	}
	for i, c := range b.cols {
		if err := batch.Column(i).Append(c); err != nil {
			batch.Abort()
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	if err := batch.Send(); err != nil {
		return err
	}
	b.total += int64(b.rows)
	b.rows = 0
	return nil
}

// columnList returns the comma-separated column names of a sample table.
func columnList(table string) string {
	for _, t := range Tables() {
		if t.Name == table {
			names := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				names[i] = c.Name
			}
			return strings.Join(names, ", ")
		}
	}
	return ""
}

func insertClickHouse(ctx context.Context, conn driver.Conn, g *Generator, table string) (int64, error) {
	b := &chBlock{ctx: ctx, conn: conn, table: table}
	const n = clickHouseBatchRows
	switch table {
	case TableHTTPRequests:
		var (
			ts                        = make([]time.Time, 0, n)
			host, svc, region, method = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
			status                    = make([]int32, 0, n)
			requests, errs, bytes     = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
			latency                   = make([]float64, 0, n)
		)
		send := func() error {
			b.cols = []any{ts, host, svc, region, method, status, requests, errs, latency, bytes}
			err := b.flush()
			ts, host, svc, region, method = ts[:0], host[:0], svc[:0], region[:0], method[:0]
			status, requests, errs, latency, bytes = status[:0], requests[:0], errs[:0], latency[:0], bytes[:0]
			return err
		}
		for r := range g.HTTPRequests() {
			ts, host, svc, region, method = append(ts, r.TS), append(host, r.Host), append(svc, r.Service), append(region, r.Region), append(method, r.Method)
			status, requests, errs = append(status, r.Status), append(requests, r.Requests), append(errs, r.Errors)
			latency, bytes = append(latency, r.LatencyMS), append(bytes, r.Bytes)
			if b.rows++; b.rows == n {
				if err := send(); err != nil {
					return b.total, err
				}
			}
		}
		if err := send(); err != nil {
			return b.total, err
		}
	case TableEvents:
		var (
			date, tm      []time.Time
			ms, s, user   []int64
			name, country []string
			amount        []decimal.Decimal
		)
		for e := range g.Events() {
			date, tm = append(date, e.EventDate), append(tm, e.EventTime)
			ms, s, user = append(ms, e.EventMS), append(s, e.EventS), append(user, e.UserID)
			name, country = append(name, e.Name), append(country, e.Country)
			amount = append(amount, decimal.New(e.AmountCents, -2))
			b.rows++
		}
		b.cols = []any{date, tm, ms, s, user, name, country, amount}
		if err := b.flush(); err != nil {
			return b.total, err
		}
	case TableLogs:
		var (
			ts                                   []time.Time
			level, msg, labels, service, hostCol []string
		)
		for l := range g.Logs() {
			ts, level, msg, labels = append(ts, l.TS), append(level, l.Level), append(msg, l.Message), append(labels, l.Labels)
			service, hostCol = append(service, l.Service), append(hostCol, l.Host)
			b.rows++
		}
		b.cols = []any{ts, level, msg, labels, service, hostCol}
		if err := b.flush(); err != nil {
			return b.total, err
		}
	case TableDeploys:
		var (
			ts, end              []time.Time
			title, text, service []string
			tags                 [][]string
		)
		for d := range g.Deploys() {
			ts, end, title, text = append(ts, d.TS), append(end, d.EndTS), append(title, d.Title), append(text, d.Text)
			tags, service = append(tags, d.Tags), append(service, d.Service)
			b.rows++
		}
		b.cols = []any{ts, end, title, text, tags, service}
		if err := b.flush(); err != nil {
			return b.total, err
		}
	default:
		return 0, fmt.Errorf("sample: unknown table %q", table)
	}
	return b.total, nil
}
