package bigquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	bq "cloud.google.com/go/bigquery"
	bqv2 "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// ErrNotReadOnly is returned for a statement that is not a SELECT.
var ErrNotReadOnly = errors.New("not a read-only statement")

// jobRef names a query job.
type jobRef struct {
	Project, ID, Location string
}

// Query runs the plan as a BigQuery job and streams its result pages into a
// typed table, fetching page n+1 while page n converts. Every job carries
// maximumBytesBilled (when set), the sanitized request labels, the
// configured priority and location. Against Google's API a dry run first
// checks that the statement is a SELECT. When ctx is cancelled or the
// timeout passes, the job is cancelled on the server.
func (e *Engine) Query(parent context.Context, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	start := time.Now()
	var stats engine.QueryStats
	if plan == nil || strings.TrimSpace(plan.SQL) == "" {
		return nil, stats, errors.New("bigquery: empty query; write a SELECT statement")
	}
	if st := strings.ToLower(plan.Statement); st != "" && st != "select" {
		return nil, stats, fmt.Errorf("bigquery: refusing to run a %s statement: %w; Quarry only runs SELECT queries", plan.Statement, ErrNotReadOnly)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Duration(e.settings.QueryTimeout)
	}
	ctx, cancel := engine.WithTimeout(parent, timeout)
	defer cancel()
	fail := func(err error, jobID string) (*frames.Table, engine.QueryStats, error) {
		return nil, stats, e.queryError(parent, ctx, err, jobID, timeout)
	}

	// Read-only at the engine: the dry run's statement type. The emulator's
	// dry run executes the whole query and always answers SELECT, so it
	// proves nothing there; the planner's classification (above) stands.
	// With allowedDatasets the dry run's tables are checked (trust.go), on
	// the emulator too.
	if allowed := e.settings.AllowedDatasets; len(allowed) > 0 || !e.isEmulator() {
		dr, err := e.dryRun(ctx, plan.SQL, opts)
		if err != nil && ctx.Err() != nil {
			return fail(err, "")
		}
		if len(allowed) > 0 {
			if err := checkDatasets(plan, allowed, e.settings.Project, dr.ReferencedTables, err); err != nil {
				return nil, stats, err
			}
		}
		if err != nil {
			return fail(err, "")
		}
		if !e.isEmulator() {
			if dr.StatementType != "" && dr.StatementType != "SELECT" {
				return nil, stats, engine.Downstream(fmt.Errorf("bigquery: refusing to run a %s statement (dry run): %w; Quarry only runs SELECT queries", dr.StatementType, ErrNotReadOnly))
			}
			if err := e.settings.Budget.Check(e.costOf(dr)); err != nil {
				return nil, stats, err
			}
		}
	}

	ref := jobRef{Project: e.settings.Project, ID: newJobID(), Location: e.location(opts)}
	stats.JobID = ref.ID
	q := e.newQuery(plan.SQL, opts)
	q.JobID = ref.ID
	q.Location = ref.Location

	// Cancel the job on the server when ctx ends before the job is read.
	// The cancellation is counted from here, not from when it runs:
	// AfterFunc starts it in a goroutine of its own that may not have run
	// yet when Query returns and the engine is closed.
	e.cancels.Add(1)
	stopCancel := context.AfterFunc(ctx, func() {
		defer e.cancels.Done()
		e.cancelJob(ref)
	})
	defer func() {
		if stopCancel() {
			e.cancels.Done() // never started
		}
	}()

	job, err := q.Run(ctx)
	if err != nil {
		return fail(err, ref.ID)
	}
	if job.Location() != "" {
		ref.Location = job.Location()
	}

	caps := frames.TableOptions{MaxRows: plan.RowCap, NumericAsFloat: opts.NumericAsFloat, MaxBytes: opts.MaxBytes, Chunk: opts.Chunk}
	var t *frames.Table
	if e.settings.StorageReadAPI {
		var used bool
		if t, used, err = e.readStorage(ctx, job, caps); err != nil {
			return fail(err, ref.ID)
		}
		if !used {
			t = nil
		}
	}
	if t == nil {
		if t, err = e.readPages(ctx, ref, caps); err != nil {
			return fail(err, ref.ID)
		}
	}
	stats.Rows = t.Total()
	// The job's byte statistics (one more round trip, jobs.get). An
	// emulator's are the result size, not bytes scanned or billed, so an
	// endpoint that is not Google's is not asked: that call was over a
	// quarter of every query's time on the emulator (README, Incremental
	// refresh).
	if !e.isEmulator() {
		if st, err := job.Status(ctx); err == nil && st.Statistics != nil {
			if qs, ok := st.Statistics.Details.(*bq.QueryStatistics); ok {
				stats.BytesProcessed = qs.TotalBytesProcessed
				stats.BytesBilled = qs.TotalBytesBilled
				stats.USD = e.usd(qs.TotalBytesBilled)
			}
		}
	}
	stats.Duration = time.Since(start)
	return t, stats, nil
}

// location is the processing location for a query.
func (e *Engine) location(opts engine.QueryOptions) string {
	if opts.Location != "" {
		return opts.Location
	}
	return e.settings.Location
}

// newQuery configures a query job with the guardrails every job carries.
func (e *Engine) newQuery(sql string, opts engine.QueryOptions) *bq.Query {
	q := e.client.Query(sql)
	q.MaxBytesBilled = e.settings.MaxBytesBilled
	q.Labels = SanitizeLabels(opts.Labels)
	q.Priority = bq.QueryPriority(e.settings.Priority)
	if opts.Priority != "" {
		q.Priority = bq.QueryPriority(strings.ToUpper(opts.Priority))
	}
	if e.settings.Dataset != "" {
		q.DefaultProjectID = e.settings.Project
		q.DefaultDatasetID = e.settings.Dataset
	}
	q.Location = e.location(opts)
	return q
}

// usd prices bytes at the configured price per TiB.
func (e *Engine) usd(bytes int64) float64 {
	return engine.USDPerTiB(bytes, e.settings.PricePerTiB)
}

// cancelJob asks the server to cancel a job. It runs after the query's
// context ended, so it uses its own short deadline.
func (e *Engine) cancelJob(ref jobRef) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := e.base + "projects/" + url.PathEscape(ref.Project) + "/jobs/" + url.PathEscape(ref.ID) + "/cancel"
	if ref.Location != "" {
		u += "?location=" + url.QueryEscape(ref.Location)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// queryError turns a failure into a clear error: timeouts and cancellations
// (engine.Classify) name the job that was cancelled on the server; API
// errors keep the server's message and gain a hint.
func (e *Engine) queryError(parent, ctx context.Context, err error, jobID string, timeout time.Duration) error {
	if ctx.Err() != nil {
		err = engine.Classify(parent, ctx, timeout, err)
		if jobID != "" {
			return fmt.Errorf("bigquery: job %s was cancelled on the server: %w", jobID, err)
		}
		return fmt.Errorf("bigquery: %w", err)
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		for _, item := range gerr.Errors {
			if item.Reason == "bytesBilledLimitExceeded" {
				return engine.Downstream(fmt.Errorf("bigquery: refused by maximumBytesBilled (%d bytes): %s; raise the limit or scan less data: %w",
					e.settings.MaxBytesBilled, apiMessage(err), err))
			}
		}
		f := classify(err, e.settings)
		if f.Step == "query" {
			wrapped := engine.Downstream(fmt.Errorf("bigquery: %s: %w", apiMessage(err), err))
			if gerr.Code == 400 {
				return engine.QueryFault(wrapped) // invalidQuery and the like
			}
			return wrapped
		}
		return engine.Downstream(fmt.Errorf("bigquery: %s (%s): %w", apiMessage(err), f.Hint, err))
	}
	return fmt.Errorf("bigquery: %w", err)
}

// pageHeader is a getQueryResults response; rows stay raw JSON for the
// row scanner.
type pageHeader struct {
	JobComplete bool               `json:"jobComplete"`
	TotalRows   string             `json:"totalRows"`
	PageToken   string             `json:"pageToken"`
	Schema      *bqv2.TableSchema  `json:"schema"`
	Rows        json.RawMessage    `json:"rows"`
	Errors      []*bqv2.ErrorProto `json:"errors"`
}

// fetchedPage is one page or the error that ended fetching.
type fetchedPage struct {
	hdr *pageHeader
	err error
}

// getPage fetches one result page. The call waits on the server up to 10 s
// for the job to complete (jobComplete=false means "ask again").
func (e *Engine) getPage(ctx context.Context, ref jobRef, token string, pageSize int) (*pageHeader, error) {
	v := url.Values{}
	v.Set("formatOptions.useInt64Timestamp", "true")
	v.Set("timeoutMs", "10000")
	if pageSize > 0 {
		v.Set("maxResults", strconv.Itoa(pageSize))
	}
	if token != "" {
		v.Set("pageToken", token)
	}
	if ref.Location != "" {
		v.Set("location", ref.Location)
	}
	u := e.base + "projects/" + url.PathEscape(ref.Project) + "/queries/" + url.PathEscape(ref.ID) + "?" + v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := googleapi.CheckResponse(resp); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading result page: %w", err)
	}
	var h pageHeader
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("decoding result page: %w", err)
	}
	return &h, nil
}

// fetchPages sends pages to out until the last one, an error, or ctx ends.
// out is unbuffered: the fetcher works on page n+1 while the consumer
// converts page n, and never runs further ahead.
func (e *Engine) fetchPages(ctx context.Context, ref jobRef, pageSize int, out chan<- fetchedPage) {
	defer close(out)
	token := ""
	for {
		h, err := e.getPage(ctx, ref, token, pageSize)
		if err == nil && !h.JobComplete {
			continue // the job is still running; getQueryResults waited up to timeoutMs
		}
		select {
		case out <- fetchedPage{hdr: h, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil || h.PageToken == "" {
			return
		}
		token = h.PageToken
	}
}

// readPages streams the job's result pages into a new table, stopping at
// the caps of caps and marking the table truncated when more rows exist.
func (e *Engine) readPages(ctx context.Context, ref jobRef, caps frames.TableOptions) (*frames.Table, error) {
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	pages := make(chan fetchedPage)
	go e.fetchPages(fctx, ref, e.settings.PageSize, pages)
	defer func() {
		stop()
		for range pages { // let the fetcher exit
		}
	}()

	var (
		t       *frames.Table
		writers []cellWriter
	)
	for p := range pages {
		if p.err != nil {
			return nil, p.err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if t == nil {
			if p.hdr.Schema == nil {
				p.hdr.Schema = &bqv2.TableSchema{}
			}
			hint, _ := strconv.ParseInt(p.hdr.TotalRows, 10, 64)
			o := caps
			o.SizeHint = hint
			t = frames.NewTable(columnSpecs(e.types(), p.hdr.Schema), o)
			var err error
			if writers, err = newWriters(t, p.hdr.Schema); err != nil {
				return nil, err
			}
		}
		more, err := appendPage(t, writers, p.hdr.Rows)
		if err != nil {
			return nil, err
		}
		if e.pageHook != nil {
			e.pageHook(int(t.Total()))
		}
		if !more {
			// The cap is reached and this page had more rows, or the next
			// page exists: stop reading.
			t.MarkTruncated()
			return t, nil
		}
		if t.Room() == 0 && p.hdr.PageToken != "" {
			t.MarkTruncated()
			return t, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t == nil {
		t = frames.NewTable(nil, caps)
	}
	return t, nil
}

// appendPage converts one page's rows. It returns more=false when the row
// cap was reached with rows left on the page.
func appendPage(t *frames.Table, writers []cellWriter, rows []byte) (more bool, err error) {
	sc := newRowScanner(rows)
	room := t.Room()
	n := 0
	for {
		ok, err := sc.nextRow()
		if err != nil {
			return false, err
		}
		if !ok {
			break
		}
		if n == room {
			return false, t.Commit(n)
		}
		for i, w := range writers {
			raw, err := sc.cell(i == 0)
			if err != nil {
				return false, err
			}
			if err := w(raw); err != nil {
				return false, fmt.Errorf("row %d: %w", t.Total()+int64(n)+1, err)
			}
		}
		if err := sc.endRow(); err != nil {
			return false, err
		}
		n++
	}
	return true, t.Commit(n)
}
