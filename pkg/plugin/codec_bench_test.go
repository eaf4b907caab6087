package plugin

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
)

// fixedAnswer is a Data server whose QueryData answers one frame of fixed
// bytes: the transport's share of a large answer, without any engine.
type fixedAnswer struct {
	pluginv2.UnimplementedDataServer
	frame []byte
}

func (s fixedAnswer) QueryData(context.Context, *pluginv2.QueryDataRequest) (*pluginv2.QueryDataResponse, error) {
	return &pluginv2.QueryDataResponse{Responses: map[string]*pluginv2.DataResponse{"A": {Frames: [][]byte{s.frame}}}}, nil
}

// BenchmarkTransport is one QueryData answer of 35 MB (the Arrow payload
// of the end-to-end benchmark's 1M rows) over gRPC on a Unix socket, as
// go-plugin carries it: the server with FramesCodec (frames sent from
// their own bytes) against the standard protobuf codec (one more copy of
// every byte), the client with gRPC's defaults as Grafana's. It is the
// floor under any engine's end-to-end time for that answer.
func BenchmarkTransport(b *testing.B) {
	frame := make([]byte, 35<<20)
	for i := range frame {
		frame[i] = byte(i)
	}
	for _, c := range []struct {
		name  string
		codec encoding.CodecV2
	}{
		{"codec=standard", encoding.GetCodecV2(proto.Name)},
		{"codec=frames", NewFramesCodec()},
	} {
		b.Run(c.name, func(b *testing.B) {
			sock := filepath.Join(b.TempDir(), "plugin.sock")
			l, err := net.Listen("unix", sock)
			if err != nil {
				b.Fatal(err)
			}
			srv := grpc.NewServer(grpc.ForceServerCodecV2(c.codec))
			pluginv2.RegisterDataServer(srv, fixedAnswer{frame: frame})
			go func() { _ = srv.Serve(l) }()
			defer srv.Stop()
			cc, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Close()
			client := pluginv2.NewDataClient(cc)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := client.QueryData(b.Context(), &pluginv2.QueryDataRequest{})
				if err != nil {
					b.Fatal(err)
				}
				if got := len(r.Responses["A"].Frames[0]); got != len(frame) {
					b.Fatalf("%d bytes arrived, want %d", got, len(frame))
				}
			}
		})
	}
}
