package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fixedHandler answers every QueryData with the same response or error (a
// narrow fake of the instance handler).
type fixedHandler struct {
	backend.Handlers
	resp *backend.QueryDataResponse
	err  error
}

func (h fixedHandler) QueryData(context.Context, *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return h.resp, h.err
}

func sampleResponse() *backend.QueryDataResponse {
	v := 2.5
	f := data.NewFrame("A",
		data.NewField("time", nil, []time.Time{time.Unix(1700000000, 0).UTC(), time.Unix(1700000060, 0).UTC()}),
		data.NewField("value", data.Labels{"host": "a"}, []*float64{&v, nil}),
		data.NewField("host", nil, []string{"a", "b"}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "SELECT 1", Notices: []data.Notice{{Severity: data.NoticeSeverityWarning, Text: "cut"}}}
	r := backend.NewQueryDataResponse()
	r.Responses["A"] = backend.DataResponse{Frames: data.Frames{f, data.NewFrame("empty")}}
	r.Responses["B"] = backend.DataResponse{Error: errors.New("syntax error at line 1"), Status: backend.StatusBadRequest, ErrorSource: backend.ErrorSourceDownstream}
	r.Responses["C"] = backend.DataResponse{}
	return r
}

// frameJSON decodes Arrow frames and returns them as JSON.
func frameJSON(t *testing.T, bs [][]byte) string {
	t.Helper()
	fs, err := data.UnmarshalArrowFrames(bs)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// TestEncodeResponseMatchesSDK: every response's status, error, error
// source and format equal the SDK's conversion, and its frames decode to
// the SDK's frames.
func TestEncodeResponseMatchesSDK(t *testing.T) {
	want, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, sampleResponse())
	if err != nil {
		t.Fatal(err)
	}
	got, err := EncodeResponse(backend.DataFrameFormat_ARROW, sampleResponse())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Responses) != len(want.Responses) {
		t.Fatalf("%d responses, want %d", len(got.Responses), len(want.Responses))
	}
	for ref, w := range want.Responses {
		g := got.Responses[ref]
		if g == nil {
			t.Fatalf("%s: missing", ref)
		}
		if frameJSON(t, g.Frames) != frameJSON(t, w.Frames) {
			t.Errorf("%s: frames differ:\n%s\nwant\n%s", ref, frameJSON(t, g.Frames), frameJSON(t, w.Frames))
		}
		gf, wf := g.Frames, w.Frames
		g.Frames, w.Frames = nil, nil
		if !proto.Equal(g, w) {
			t.Errorf("%s: %v, want %v", ref, g, w)
		}
		g.Frames, w.Frames = gf, wf
	}
	// The refId the SDK fills in on frames without one is there too.
	fs, _ := data.UnmarshalArrowFrames(got.Responses["A"].Frames)
	if fs[0].RefID != "A" || fs[1].RefID != "A" {
		t.Errorf("refIds %q %q, want A", fs[0].RefID, fs[1].RefID)
	}
}

func TestEncodeResponseJSONFormat(t *testing.T) {
	want, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_JSON, sampleResponse())
	if err != nil {
		t.Fatal(err)
	}
	got, err := EncodeResponse(backend.DataFrameFormat_JSON, sampleResponse())
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Errorf("JSON format: %v, want the SDK's %v", got, want)
	}
}

func TestEncodeResponseNilFrame(t *testing.T) {
	r := backend.NewQueryDataResponse()
	r.Responses["A"] = backend.DataResponse{Frames: data.Frames{nil}}
	if _, err := EncodeResponse(backend.DataFrameFormat_ARROW, r); err == nil {
		t.Fatal("a nil frame: want an error, as the SDK gives")
	}
}

func TestDataServerQueryData(t *testing.T) {
	req := &pluginv2.QueryDataRequest{PluginContext: &pluginv2.PluginContext{OrgId: 1}, Queries: []*pluginv2.DataQuery{{RefId: "A", TimeRange: &pluginv2.TimeRange{FromEpochMS: 0, ToEpochMS: 1000}}}}
	s := NewDataServer(fixedHandler{resp: sampleResponse()})
	got, err := s.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if fs, err := data.UnmarshalArrowFrames(got.Responses["A"].Frames); err != nil || len(fs) != 2 || fs[0].Rows() != 2 {
		t.Fatalf("frames %v, %v", fs, err)
	}

	// A handler error is returned with its source in the gRPC status, as
	// the SDK's adapter does.
	for _, c := range []struct {
		err  error
		want string
	}{
		{backend.DownstreamError(errors.New("server down")), "downstream"},
		{backend.PluginError(errors.New("bug")), "plugin"},
		{errors.New("unmarked"), ""},
	} {
		_, err := NewDataServer(fixedHandler{err: c.err}).QueryData(context.Background(), req)
		if err == nil {
			t.Fatalf("%v: want an error", c.err)
		}
		src := ""
		if st, ok := grpcstatus.FromError(err); ok {
			for _, d := range st.Details() {
				if info, ok := d.(*errdetails.ErrorInfo); ok {
					src = info.Metadata["errorSource"]
				}
			}
		}
		if src != c.want {
			t.Errorf("%v: error source %q, want %q", c.err, src, c.want)
		}
	}

	if _, err := NewDataServer(fixedHandler{}).QueryData(context.Background(), req); err == nil {
		t.Error("nil response and nil error: want an error")
	}
}

// TestDirectArrowData: the decorator moves QueryData to the DataServer and
// leaves the other handlers to the SDK.
func TestDirectArrowData(t *testing.T) {
	h := fixedHandler{resp: sampleResponse()}
	opts, err := DirectArrowData(PluginID, backend.ServeOpts{QueryDataHandler: h, CheckHealthHandler: h, CallResourceHandler: h})
	if err != nil {
		t.Fatal(err)
	}
	if opts.QueryDataHandler != nil || opts.QueryChunkedDataHandler != nil {
		t.Error("QueryData is still on the SDK's adapter")
	}
	if opts.CheckHealthHandler == nil || opts.CallResourceHandler == nil {
		t.Error("health and resources must stay on the SDK")
	}
	if _, ok := opts.ExtraPlugins["data"]; !ok {
		t.Error("no data plugin registered")
	}
}
