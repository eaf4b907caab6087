package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// storageFake is a test-only, in-process BigQuery Storage Read API server
// (storagepb.BigQueryReadServer over real gRPC on 127.0.0.1). It is the one
// narrow fake of this package, allowed for this path only (issue #11): the
// BigQuery emulator crashes on CreateReadSession. It serves record batches
// written by the Arrow library (the IPC stream writer), split over one or
// more read streams, as BigQuery does: CreateReadSession returns the
// serialized Arrow schema and the streams (one when the client asks for at
// most one, as it does for an ordered query); ReadRows sends a stream's
// batches from the requested row offset, each with its row count.
//
// The query job and its result table are the real emulator's (see
// destProxy); only the rows read through the Storage path come from here.
type storageFake struct {
	storagepb.UnimplementedBigQueryReadServer

	addr   string
	schema []byte     // serialized Arrow schema (IPC schema message)
	parts  [][]fbatch // per stream

	// Faults, set before the query runs.
	// failAt, with failErr: ReadRows returns failErr instead of sending
	// the stream's batch number failAt (1-based) the first failTimes
	// times (0 = always).
	failAt    int
	failErr   error
	failTimes int32
	// hold: after sending the first batch of a stream, ReadRows waits
	// until the client goes away (cancellation tests).
	hold bool
	// corruptAt replaces batch number corruptAt (1-based, of stream 0)
	// by corrupt(batch).
	corruptAt int
	corrupt   func([]byte) []byte

	failed   atomic.Int32
	sent     atomic.Int64 // batches sent
	active   atomic.Int32 // ReadRows calls running
	sessions atomic.Int32
	held     chan struct{} // receives when a held stream is waiting

	mu       sync.Mutex
	requests []*storagepb.CreateReadSessionRequest
	tables   []string
	offsets  []int64 // ReadRows offsets asked for
}

// fbatch is one serialized record batch and its row count.
type fbatch struct {
	data []byte
	rows int64
}

// serializeArrow writes schema and records with the Arrow IPC stream
// writer and returns the schema message and each record batch message
// separately, as the Storage Read API sends them (serialized_schema,
// serialized_record_batch).
func serializeArrow(t testing.TB, schema *arrow.Schema, recs []arrow.Record) ([]byte, []fbatch) {
	t.Helper()
	const eos = 8 // the IPC stream's end-of-stream marker
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	schemaMsg := bytes.Clone(buf.Bytes()[:buf.Len()-eos])
	out := make([]fbatch, len(recs))
	for i, rec := range recs {
		buf.Reset()
		w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasPrefix(b, schemaMsg) {
			t.Fatal("Arrow stream does not start with the schema message")
		}
		out[i] = fbatch{data: bytes.Clone(b[len(schemaMsg) : len(b)-eos]), rows: rec.NumRows()}
	}
	return schemaMsg, out
}

// newStorageFake serves recs: record i goes to stream i % streams (when
// the client asks for one stream, every record goes to it, in order).
func newStorageFake(t testing.TB, schema *arrow.Schema, recs []arrow.Record, streams int) *storageFake {
	t.Helper()
	f := &storageFake{held: make(chan struct{}, 16)}
	f.setData(t, schema, recs, streams)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	storagepb.RegisterBigQueryReadServer(srv, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	f.addr = lis.Addr().String()
	return f
}

func (f *storageFake) setData(t testing.TB, schema *arrow.Schema, recs []arrow.Record, streams int) {
	s, batches := serializeArrow(t, schema, recs)
	f.schema = s
	f.parts = make([][]fbatch, max(streams, 1))
	for i, b := range batches {
		f.parts[i%len(f.parts)] = append(f.parts[i%len(f.parts)], b)
	}
}

// CreateReadSession returns the Arrow schema and the streams.
func (f *storageFake) CreateReadSession(_ context.Context, req *storagepb.CreateReadSessionRequest) (*storagepb.ReadSession, error) {
	f.sessions.Add(1)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.tables = append(f.tables, req.GetReadSession().GetTable())
	f.mu.Unlock()
	if req.GetReadSession().GetDataFormat() != storagepb.DataFormat_ARROW {
		return nil, status.Errorf(codes.InvalidArgument, "fake serves Arrow only, asked for %v", req.GetReadSession().GetDataFormat())
	}
	n := len(f.parts)
	if req.GetMaxStreamCount() == 1 {
		n = 1 // an ordered read: every batch on one stream, in order
	}
	name := "projects/fake/locations/us/sessions/s1"
	rs := &storagepb.ReadSession{
		Name:       name,
		DataFormat: storagepb.DataFormat_ARROW,
		Table:      req.GetReadSession().GetTable(),
		Schema: &storagepb.ReadSession_ArrowSchema{ArrowSchema: &storagepb.ArrowSchema{
			SerializedSchema: f.schema,
		}},
	}
	var total int64
	for _, p := range f.parts {
		for _, b := range p {
			total += b.rows
		}
	}
	rs.EstimatedRowCount = total
	for i := 0; i < n; i++ {
		rs.Streams = append(rs.Streams, &storagepb.ReadStream{Name: fmt.Sprintf("%s/streams/%d/of/%d", name, i, n)})
	}
	return rs, nil
}

var streamName = regexp.MustCompile(`/streams/(\d+)/of/(\d+)$`)

// batchesOf returns the batches a stream serves: with fewer streams than
// parts (an ordered read), stream 0 serves every batch in record order.
func (f *storageFake) batchesOf(i, n int) []fbatch {
	if n == len(f.parts) {
		return f.parts[i]
	}
	var all []fbatch // record k is batch k/P of part k%P
	for k := 0; ; k++ {
		p, j := k%len(f.parts), k/len(f.parts)
		if j >= len(f.parts[p]) {
			return all
		}
		all = append(all, f.parts[p][j])
	}
}

// ReadRows sends a stream's batches from the requested row offset.
func (f *storageFake) ReadRows(req *storagepb.ReadRowsRequest, srv storagepb.BigQueryRead_ReadRowsServer) error {
	f.active.Add(1)
	defer f.active.Add(-1)
	m := streamName.FindStringSubmatch(req.GetReadStream())
	if m == nil {
		return status.Errorf(codes.NotFound, "no read stream %q", req.GetReadStream())
	}
	var i, n int
	fmt.Sscan(m[1], &i)
	fmt.Sscan(m[2], &n)
	f.mu.Lock()
	f.offsets = append(f.offsets, req.GetOffset())
	f.mu.Unlock()
	var at int64
	for k, b := range f.batchesOf(i, n) {
		if at < req.GetOffset() {
			at += b.rows
			continue
		}
		at += b.rows
		if f.failAt == k+1 && (f.failTimes == 0 || f.failed.Add(1) <= f.failTimes) {
			return f.failErr
		}
		data := b.data
		if f.corruptAt == k+1 && i == 0 {
			data = f.corrupt(bytes.Clone(data))
		}
		if err := srv.Send(&storagepb.ReadRowsResponse{
			Rows:     &storagepb.ReadRowsResponse_ArrowRecordBatch{ArrowRecordBatch: &storagepb.ArrowRecordBatch{SerializedRecordBatch: data, RowCount: b.rows}},
			RowCount: b.rows,
		}); err != nil {
			return err
		}
		f.sent.Add(1)
		if f.hold {
			select {
			case f.held <- struct{}{}:
			default:
			}
			<-srv.Context().Done()
			return srv.Context().Err()
		}
	}
	return nil
}

// destProxy is a test-only HTTP front for the BigQuery emulator that adds
// what the emulator leaves out of a query job: its destination table.
// BigQuery gives every query job one (an anonymous table); the client
// library reads a job's results through the Storage Read API only from
// it. The emulator does store each query's result as a table named
// <jobID>.<jobID> (its "dynamic destination table") but does not name it
// in the job. The proxy adds that name to jobs.get answers; every request
// and the table's metadata are the emulator's own.
type destProxy struct {
	proxy *httputil.ReverseProxy
}

var jobGetPath = regexp.MustCompile(`/projects/([^/]+)/jobs/([^/?]+)$`)

func newDestProxy(t testing.TB, endpoint string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &destProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
	director := p.proxy.Director
	p.proxy.Director = func(r *http.Request) {
		director(r)
		r.Header.Del("Accept-Encoding") // let the transport decompress
	}
	p.proxy.ModifyResponse = p.addDestination
	tr := http.DefaultTransport.(*http.Transport).Clone()
	p.proxy.Transport = tr
	srv := httptest.NewServer(p.proxy)
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return srv.URL
}

func (p *destProxy) addDestination(resp *http.Response) error {
	req := resp.Request
	m := jobGetPath.FindStringSubmatch(req.URL.Path)
	if req.Method != http.MethodGet || m == nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	var job map[string]any
	if err := json.Unmarshal(body, &job); err == nil {
		if cfg, ok := job["configuration"].(map[string]any); ok {
			if q, ok := cfg["query"].(map[string]any); ok && q["destinationTable"] == nil {
				q["destinationTable"] = map[string]any{"projectId": m[1], "datasetId": m[2], "tableId": m[2]}
				if b, err := json.Marshal(job); err == nil {
					body = b
				}
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return nil
}

func (f *storageFake) readTables() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tables...)
}

func (f *storageFake) readOffsets() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Trim(fmt.Sprint(f.offsets), "[]")
}
