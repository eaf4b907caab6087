package plugin

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc/encoding"
	gproto "google.golang.org/protobuf/proto"

	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

// TestFramesCodec: what FramesCodec writes decodes to the message it was
// given, for answers with large and small frames, several refIds, errors,
// status, error source and JSON meta; large frames are sent from their
// own bytes (no copy), and other messages get the standard codec's bytes.
func TestFramesCodec(t *testing.T) {
	c := NewFramesCodec()
	rng := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	big := blob(300 << 10)
	cases := map[string]*pluginv2.QueryDataResponse{
		"one large frame": {Responses: map[string]*pluginv2.DataResponse{"A": {Frames: [][]byte{big}}}},
		"mixed": {Responses: map[string]*pluginv2.DataResponse{
			"A": {Frames: [][]byte{blob(10), big, blob(70 << 10), {}, blob(3)}, JsonMeta: []byte(`{"x":1}`), Status: 200},
			"B": {Error: "boom at line 1", Status: 400, ErrorSource: "downstream"},
			"C": {Frames: [][]byte{blob(200 << 10)}, ErrorSource: "plugin", Error: "partial"},
			"":  {Frames: [][]byte{blob(1)}},
		}},
		"small only": {Responses: map[string]*pluginv2.DataResponse{"A": {Frames: [][]byte{blob(100)}, Status: 200}}},
		"empty":      {Responses: map[string]*pluginv2.DataResponse{}},
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			bs, err := c.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			var got pluginv2.QueryDataResponse
			if err := gproto.Unmarshal(bs.Materialize(), &got); err != nil {
				t.Fatal(err)
			}
			if !gproto.Equal(&got, msg) {
				t.Fatalf("decoded %v, want %v", &got, msg)
			}
			if err := c.Unmarshal(bs, &got); err != nil || !gproto.Equal(&got, msg) {
				t.Fatalf("codec round trip: %v", err)
			}
			shared := false
			for _, b := range bs {
				if d := b.ReadOnlyData(); len(d) > 0 && &d[0] == &big[0] {
					shared = true
				}
			}
			if want := name == "one large frame" || name == "mixed"; shared != want {
				t.Fatalf("large frame sent from its own bytes: %v, want %v", shared, want)
			}
		})
	}
	// Any other message: the standard codec's bytes.
	req := &pluginv2.QueryDataRequest{Queries: []*pluginv2.DataQuery{{RefId: "A", Json: []byte(`{"rawSql":"SELECT 1"}`)}}}
	bs, err := c.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	std, err := encoding.GetCodecV2("proto").Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bs.Materialize(), std.Materialize()) {
		t.Fatal("a request's bytes differ from the standard codec's")
	}
}

// TestFramesCodecSegments: a frame the DataServer wrote in pieces is sent
// from them (the large ones without a copy) and decodes to the message
// holding the pieces concatenated, next to ordinary frames; an unknown
// placeholder is sent as the bytes it is.
func TestFramesCodecSegments(t *testing.T) {
	c := NewFramesCodec()
	rng := rand.New(rand.NewPCG(3, 4))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	big := blob(200 << 10)
	for name, segs := range map[string]arrowipc.Segments{
		"large pieces": {blob(100), big, blob(7), blob(90 << 10), blob(5)},
		"small pieces": {blob(100), blob(200)},
		"one piece":    {big},
		"tiny":         {blob(10), blob(5)},
	} {
		t.Run(name, func(t *testing.T) {
			other := blob(80 << 10)
			ph := c.segs.placeholder(segs)
			msg := &pluginv2.QueryDataResponse{Responses: map[string]*pluginv2.DataResponse{
				"A": {Frames: [][]byte{blob(3), ph, other}, Status: 200},
				"B": {Error: "x", Status: 400},
			}}
			want := &pluginv2.QueryDataResponse{Responses: map[string]*pluginv2.DataResponse{
				"A": {Frames: [][]byte{msg.Responses["A"].Frames[0], segs.Bytes(), other}, Status: 200},
				"B": {Error: "x", Status: 400},
			}}
			bs, err := c.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			var got pluginv2.QueryDataResponse
			if err := gproto.Unmarshal(bs.Materialize(), &got); err != nil {
				t.Fatal(err)
			}
			if !gproto.Equal(&got, want) {
				t.Fatal("decoded message differs from the one with the pieces concatenated")
			}
			shared := false
			for _, b := range bs {
				if d := b.ReadOnlyData(); len(d) > 0 && &d[0] == &big[0] {
					shared = true
				}
			}
			if want := name != "small pieces" && name != "tiny"; shared != want {
				t.Fatalf("large piece sent from its own bytes: %v, want %v", shared, want)
			}
			runtime.KeepAlive(ph)
		})
	}
	if _, ok := c.segs.segments(make([]byte, 32)); ok {
		t.Fatal("an unrecorded frame has pieces")
	}
	// A small answer whose only frame is in pieces is sent by this codec
	// too (the standard one would send the placeholder).
	segs := arrowipc.Segments{[]byte("ARROW1"), []byte("…")}
	ph := c.segs.placeholder(segs)
	msg := &pluginv2.QueryDataResponse{Responses: map[string]*pluginv2.DataResponse{"A": {Frames: [][]byte{ph}}}}
	bs, err := c.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	var got pluginv2.QueryDataResponse
	if err := gproto.Unmarshal(bs.Materialize(), &got); err != nil || !bytes.Equal(got.Responses["A"].Frames[0], segs.Bytes()) {
		t.Fatalf("small answer in pieces: %v %q", err, got.Responses["A"].GetFrames())
	}
	runtime.KeepAlive(ph)
}
