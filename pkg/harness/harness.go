// Package harness drives the built Quarry plugin binary exactly as Grafana
// does: it launches gpx_quarry with hashicorp go-plugin using Grafana's
// handshake (protocol 2, cookie grafana_plugin_type=datasource) and calls
// CheckHealth, QueryData and CallResource over gRPC with the SDK's
// generated pluginv2 clients. It also captures every log line the plugin
// writes, for tests that check what is (not) logged.
package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// PluginID is the id Grafana sends in the plugin context.
const PluginID = "bigtent-quarry-datasource"

// BuildTags are the go build tags of the plugin's builds (Magefile.go's):
// duckdb_arrow reads DuckDB's results through its Arrow interface.
const BuildTags = "duckdb_arrow"

// buildArgs are go build's flags for the plugin's builds: the tags, and on
// Linux the link flag Magefile.go's cgo builds pass (DuckDB's bindings link
// with -rdynamic, which would export every C++ symbol of DuckDB to the
// dynamic loader; the plugin loads no DuckDB extension, so none needs them).
func buildArgs() []string {
	args := []string{"-tags", BuildTags}
	if runtime.GOOS == "linux" {
		args = append(args, "-ldflags=-extldflags=-Wl,--no-export-dynamic")
	}
	return args
}

// Build compiles the plugin (./pkg of the module containing this package's
// source tree, or moduleDir when set) into dir/gpx_quarry and returns its path.
func Build(ctx context.Context, moduleDir, dir string) (string, error) {
	return BuildPackage(ctx, moduleDir, "./pkg", filepath.Join(dir, "gpx_quarry"))
}

// BuildPackage compiles the main package pkg (a path relative to the
// module, such as "./pkg/benchpeer/cmd/gpx_benchpeer") of the module
// containing this package's source tree, or moduleDir when set, into bin.
func BuildPackage(ctx context.Context, moduleDir, pkg, bin string) (string, error) {
	if moduleDir == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("harness: locating the module: %w", err)
		}
		moduleDir = filepath.Dir(strings.TrimSpace(string(out)))
	}
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, buildArgs()...), "-o", bin, pkg)...)
	cmd.Dir = moduleDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("harness: go build %s: %w\n%s", pkg, err, stderr.String())
	}
	return bin, nil
}

// Plugin is a running plugin process and its gRPC clients.
type Plugin struct {
	client      *goplugin.Client
	Diagnostics pluginv2.DiagnosticsClient
	Data        pluginv2.DataClient
	Resource    pluginv2.ResourceClient
	logs        *LogBuffer
	nextID      atomic.Int64
}

// grpcConn is a client-only go-plugin GRPCPlugin that hands out the
// connection so the generated pluginv2 clients can be built on it.
type grpcConn struct {
	goplugin.NetRPCUnsupportedPlugin
}

func (grpcConn) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error {
	return errors.New("harness: client side only")
}

func (grpcConn) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

// Start launches the plugin binary with Grafana's handshake. Extra
// environment variables (KEY=VALUE) are passed to the process.
func Start(binary string, env ...string) (*Plugin, error) {
	logs := &LogBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Name: filepath.Base(binary), Output: logs, Level: hclog.Trace, JSONFormat: true})
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), env...)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {"diagnostics": grpcConn{}, "resource": grpcConn{}, "data": grpcConn{}},
		},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		SyncStdout:       logs,
		SyncStderr:       logs,
		StartTimeout:     2 * time.Minute,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("harness: starting %s: %w\nplugin output:\n%s", binary, err, logs.String())
	}
	raw, err := rpc.Dispense("data")
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("harness: dispensing data: %w", err)
	}
	conn, ok := raw.(*grpc.ClientConn)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("harness: unexpected client type %T", raw)
	}
	return &Plugin{
		client:      client,
		Diagnostics: pluginv2.NewDiagnosticsClient(conn),
		Data:        pluginv2.NewDataClient(conn),
		Resource:    pluginv2.NewResourceClient(conn),
		logs:        logs,
	}, nil
}

// Close stops the plugin process.
func (p *Plugin) Close() { p.client.Kill() }

// Exited reports whether the plugin process has exited (crashed or closed).
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Pid is the plugin process's id (0 if unknown), e.g. to read its
// /proc/PID/status.
func (p *Plugin) Pid() int {
	if rc := p.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Metrics returns the plugin's Prometheus metrics (text format) as Grafana
// collects them, through Diagnostics.CollectMetrics.
func (p *Plugin) Metrics(ctx context.Context) (string, error) {
	resp, err := p.Diagnostics.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{})
	if err != nil {
		return "", err
	}
	if resp.Metrics == nil {
		return "", nil
	}
	return string(resp.Metrics.Prometheus), nil
}

// Goroutines returns the plugin process's go_goroutines gauge.
func (p *Plugin) Goroutines(ctx context.Context) (int, error) {
	m, err := p.Metrics(ctx)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(m, "\n") {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			var n float64
			if _, err := fmt.Sscan(v, &n); err != nil {
				return 0, fmt.Errorf("harness: go_goroutines %q: %w", v, err)
			}
			return int(n), nil
		}
	}
	return 0, errors.New("harness: the plugin's metrics have no go_goroutines")
}

// PeakRSS returns the plugin process's peak resident set size in bytes
// (VmHWM in /proc/PID/status; Linux only).
func (p *Plugin) PeakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("harness: reading the plugin's status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err != nil {
				return 0, fmt.Errorf("harness: VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("harness: no VmHWM in /proc status")
}

// Logs returns everything the plugin has logged so far.
func (p *Plugin) Logs() string { return p.logs.String() }

// DataSource is a configured data source as Grafana stores it.
type DataSource struct {
	ID       int64
	UID      string
	Name     string
	JSONData map[string]any
	Secure   map[string]string
	// Updated changes invalidate the plugin's cached instance.
	Updated time.Time
}

// NewDataSource returns a data source with a fresh id and uid.
func (p *Plugin) NewDataSource(name string, jsonData map[string]any, secure map[string]string) DataSource {
	id := p.nextID.Add(1)
	return DataSource{ID: id, UID: fmt.Sprintf("quarry-%d", id), Name: name, JSONData: jsonData, Secure: secure, Updated: time.Now()}
}

// Context is the plugin context Grafana sends for this data source.
func (d DataSource) Context() *pluginv2.PluginContext {
	js, _ := json.Marshal(d.JSONData)
	return &pluginv2.PluginContext{
		OrgId:    1,
		PluginId: PluginID,
		User:     &pluginv2.User{Login: "admin", Name: "Admin", Email: "admin@example.com", Role: "Admin"},
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id: d.ID, Uid: d.UID, Name: d.Name, JsonData: js, DecryptedSecureJsonData: d.Secure,
			LastUpdatedMS: d.Updated.UnixMilli(),
		},
		GrafanaConfig: map[string]string{},
	}
}

// CheckHealth calls the plugin's health check for d.
func (p *Plugin) CheckHealth(ctx context.Context, d DataSource) (*pluginv2.CheckHealthResponse, error) {
	return p.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: d.Context()})
}

// Query is one query of a QueryData request.
type Query struct {
	RefID         string
	QueryType     string
	JSON          map[string]any
	From, To      time.Time
	Interval      time.Duration
	MaxDataPoints int64
}

// QueryData sends one QueryData request with the given headers.
func (p *Plugin) QueryData(ctx context.Context, d DataSource, headers map[string]string, queries ...Query) (*pluginv2.QueryDataResponse, error) {
	req := &pluginv2.QueryDataRequest{PluginContext: d.Context(), Headers: headers}
	for _, q := range queries {
		js, err := json.Marshal(q.JSON)
		if err != nil {
			return nil, err
		}
		req.Queries = append(req.Queries, &pluginv2.DataQuery{
			RefId: q.RefID, QueryType: q.QueryType, Json: js, MaxDataPoints: q.MaxDataPoints,
			IntervalMS: q.Interval.Milliseconds(),
			TimeRange:  &pluginv2.TimeRange{FromEpochMS: q.From.UnixMilli(), ToEpochMS: q.To.UnixMilli()},
		})
	}
	return p.Data.QueryData(ctx, req)
}

// QueryChunkedData sends one chunked query request (Grafana's streaming
// query path) and collects every chunk of the reply in order.
func (p *Plugin) QueryChunkedData(ctx context.Context, d DataSource, headers map[string]string, queries ...Query) ([]*pluginv2.QueryChunkedDataResponse, error) {
	var out []*pluginv2.QueryChunkedDataResponse
	err := p.StreamChunkedData(ctx, d, headers, func(c *pluginv2.QueryChunkedDataResponse) error {
		out = append(out, c)
		return nil
	}, queries...)
	return out, err
}

// StreamChunkedData sends one chunked query request and calls fn with each
// chunk as it arrives (nothing is kept); an error from fn ends the call.
func (p *Plugin) StreamChunkedData(ctx context.Context, d DataSource, headers map[string]string, fn func(*pluginv2.QueryChunkedDataResponse) error, queries ...Query) error {
	req := &pluginv2.QueryChunkedDataRequest{PluginContext: d.Context(), Headers: headers, Format: pluginv2.DataFrameFormat_ARROW}
	for _, q := range queries {
		js, err := json.Marshal(q.JSON)
		if err != nil {
			return err
		}
		req.Queries = append(req.Queries, &pluginv2.DataQuery{
			RefId: q.RefID, QueryType: q.QueryType, Json: js, MaxDataPoints: q.MaxDataPoints,
			IntervalMS: q.Interval.Milliseconds(),
			TimeRange:  &pluginv2.TimeRange{FromEpochMS: q.From.UnixMilli(), ToEpochMS: q.To.UnixMilli()},
		})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := p.Data.QueryChunkedData(ctx, req)
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(msg); err != nil {
			return err
		}
	}
}

// Chunked is one query's reassembled chunked answer.
type Chunked struct {
	// Frames are the query's frames: the chunks of a frameID appended in
	// order, with the meta of its last chunk.
	Frames data.Frames
	// Chunks counts the frame chunks per frameID.
	Chunks map[string]int
	// Error and Status are from a WriteError chunk (after any frames).
	Error  string
	Status int32
	// FramesBeforeError counts the frame chunks written before the error.
	FramesBeforeError int
}

// Assemble reassembles chunked replies per refId as Grafana does: the
// first chunk of a frameID gives the frame's schema, later ones append
// rows (their field types must match), and the frame keeps the meta of its
// last chunk. An error chunk is kept with the frames sent before it.
func Assemble(chunks []*pluginv2.QueryChunkedDataResponse) (map[string]*Chunked, error) {
	out := map[string]*Chunked{}
	byID := map[string]*data.Frame{}
	for i, c := range chunks {
		r := out[c.RefId]
		if r == nil {
			r = &Chunked{Chunks: map[string]int{}}
			out[c.RefId] = r
		}
		if c.Error != "" || len(c.Frame) == 0 {
			r.Error, r.Status = c.Error, c.Status
			continue
		}
		if r.Error != "" {
			return nil, fmt.Errorf("harness: chunk %d of %s arrives after its error", i, c.RefId)
		}
		f, err := data.UnmarshalArrowFrame(c.Frame)
		if err != nil {
			return nil, fmt.Errorf("harness: chunk %d of %s: %w", i, c.RefId, err)
		}
		r.Chunks[c.FrameId]++
		r.FramesBeforeError++
		key := c.RefId + "\x00" + c.FrameId
		have := byID[key]
		if have == nil {
			byID[key] = f
			r.Frames = append(r.Frames, f)
			continue
		}
		if len(f.Fields) != len(have.Fields) {
			return nil, fmt.Errorf("harness: chunk %d of %s/%s has %d fields, the first %d", i, c.RefId, c.FrameId, len(f.Fields), len(have.Fields))
		}
		for j, fd := range f.Fields {
			if fd.Type() != have.Fields[j].Type() || fd.Name != have.Fields[j].Name {
				return nil, fmt.Errorf("harness: chunk %d of %s/%s: field %d is %q %s, the first chunk's %q %s",
					i, c.RefId, c.FrameId, j, fd.Name, fd.Type(), have.Fields[j].Name, have.Fields[j].Type())
			}
			have.Fields[j].AppendAll(fd)
		}
		have.Meta = f.Meta
	}
	return out, nil
}

// Response is a collected CallResource reply.
type Response struct {
	Status int
	Body   []byte
}

// CallResource calls a resource route (path without a leading slash, with an
// optional query string) and collects the streamed reply.
func (p *Plugin) CallResource(ctx context.Context, d DataSource, method, pathAndQuery string, body []byte) (Response, error) {
	path := pathAndQuery
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	stream, err := p.Resource.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: d.Context(), Path: path, Method: method, Url: pathAndQuery, Body: body,
	})
	if err != nil {
		return Response{}, err
	}
	var out Response
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if msg.Code != 0 {
			out.Status = int(msg.Code)
		}
		out.Body = append(out.Body, msg.Body...)
	}
}

// LogBuffer collects log output safely across goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
