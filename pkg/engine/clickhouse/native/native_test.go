package native

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// These tests play the server with a scripted stream (a narrow fake: the
// packets the client writes are decoded as a server of the given revision
// reads them). The engine's tests read real ClickHouse 18.16 and 26.7.

// sentQuery is a query packet as the fake server decoded it.
type sentQuery struct {
	id, sql     string
	settings    map[string]string
	compression uint64
	cancelled   bool
}

// fakeServer accepts one connection, answers hello as a server of revision
// rev and, for each query, writes respond's bytes. It returns the address
// and a channel of the queries it read.
func fakeServer(t testing.TB, rev int, respond func(q sentQuery) []byte) (string, <-chan sentQuery) {
	return fakeServerWaiting(t, rev, 200*time.Millisecond, respond, nil)
}

// fakeServerWaiting is fakeServer waiting wait for a cancel after its
// answer, and answering a cancel with afterCancel.
func fakeServerWaiting(t testing.TB, rev int, wait time.Duration, respond func(q sentQuery) []byte, afterCancel []byte) (string, <-chan sentQuery) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return fakeServerOn(t, ln, rev, wait, respond, afterCancel)
}

// fakeServerOn is fakeServerWaiting on the listener ln.
func fakeServerOn(t testing.TB, ln net.Listener, rev int, wait time.Duration, respond func(q sentQuery) []byte, afterCancel []byte) (string, <-chan sentQuery) {
	t.Helper()
	t.Cleanup(func() { _ = ln.Close() })
	queries := make(chan sentQuery, 16)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := proto.NewReader(conn)
		if code, err := r.UVarInt(); err != nil || code != clientCodeHello {
			return
		}
		var hello proto.ClientHello
		if err := hello.Decode(r); err != nil {
			return
		}
		var b proto.Buffer
		sh := proto.ServerHello{Name: "ClickHouse", Major: 18, Minor: 16, Revision: rev, Timezone: "UTC", DisplayName: "fake", Patch: 1}
		sh.EncodeAware(&b, min(rev, hello.ProtocolVersion))
		if _, err := conn.Write(b.Buf); err != nil {
			return
		}
		v := min(rev, hello.ProtocolVersion)
		q, err := readQuery(r, v)
		if err != nil {
			return
		}
		if _, err := conn.Write(respond(q)); err != nil {
			return
		}
		// A cancel, if the client sends one, follows the answer; then the
		// connection closes (one query per connection).
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		if code, err := r.UVarInt(); err == nil && code == clientCodeCancel {
			q.cancelled = true
			_, _ = conn.Write(afterCancel)
		}
		queries <- q
	}()
	return ln.Addr().String(), queries
}

// readQuery decodes a query packet and the empty data block after it, as a
// server of revision v reads them.
func readQuery(r *proto.Reader, v int) (sentQuery, error) {
	q := sentQuery{settings: map[string]string{}}
	code, err := r.UVarInt()
	if err != nil {
		return q, err
	}
	if code != clientCodeQuery {
		return q, errors.New("not a query")
	}
	if q.id, err = r.Str(); err != nil {
		return q, err
	}
	// Client info (revision >= 54032).
	if _, err := r.Byte(); err != nil { // query kind
		return q, err
	}
	for range 3 { // initial user, query id, address
		if _, err := r.Str(); err != nil {
			return q, err
		}
	}
	if _, err := r.Byte(); err != nil { // interface
		return q, err
	}
	for range 3 { // OS user, hostname, client name
		if _, err := r.Str(); err != nil {
			return q, err
		}
	}
	for range 3 { // major, minor, revision
		if _, err := r.UVarInt(); err != nil {
			return q, err
		}
	}
	if v >= revQuotaKeyInInfo {
		if _, err := r.Str(); err != nil {
			return q, err
		}
	}
	if v >= revVersionPatch {
		if _, err := r.UVarInt(); err != nil {
			return q, err
		}
	}
	for {
		name, err := r.Str()
		if err != nil {
			return q, err
		}
		if name == "" {
			break
		}
		if v >= revSettingsAsStrings {
			if _, err := r.UVarInt(); err != nil { // flags
				return q, err
			}
			if q.settings[name], err = r.Str(); err != nil {
				return q, err
			}
		} else {
			n, err := r.UVarInt()
			if err != nil {
				return q, err
			}
			q.settings[name] = "#" + itoa(n)
		}
	}
	if _, err := r.UVarInt(); err != nil { // stage
		return q, err
	}
	if q.compression, err = r.UVarInt(); err != nil {
		return q, err
	}
	if q.sql, err = r.Str(); err != nil {
		return q, err
	}
	// The empty data block.
	if code, err := r.UVarInt(); err != nil || code != clientCodeData {
		return q, errors.New("no data packet after the query")
	}
	if _, err := r.Str(); err != nil {
		return q, err
	}
	if q.compression == 1 {
		r.EnableCompression()
		defer r.DisableCompression()
	}
	var b proto.Block
	if err := b.DecodeBlock(r, v, nil); err != nil {
		return q, err
	}
	if !b.End() {
		return q, errors.New("the data block is not empty")
	}
	return q, nil
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// stream builds a server's answer.
type stream struct {
	b proto.Buffer
	v int
}

func (s *stream) data(t testing.TB, cols ...proto.InputColumn) *stream {
	t.Helper()
	s.b.PutUVarInt(uint64(proto.ServerCodeData))
	s.b.PutString("")
	rows := 0
	if len(cols) > 0 {
		rows = cols[0].Data.Rows()
	}
	if err := (proto.Block{Info: proto.BlockInfo{BucketNum: -1}, Columns: len(cols), Rows: rows}).EncodeBlock(&s.b, s.v, cols); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *stream) code(c proto.ServerCode) *stream { s.b.PutUVarInt(uint64(c)); return s }

func (s *stream) raw(p ...byte) *stream { s.b.Buf = append(s.b.Buf, p...); return s }

func (s *stream) progress(rows, bytes uint64) *stream {
	s.code(proto.ServerCodeProgress)
	proto.Progress{Rows: rows, Bytes: bytes}.EncodeAware(&s.b, s.v)
	return s
}

func (s *stream) exception(code int32, msg string, nested bool) *stream {
	s.code(proto.ServerCodeException)
	return s.nestedException(code, msg, nested)
}

// nestedException is an exception's body alone: how the one an exception
// wraps follows it.
func (s *stream) nestedException(code int32, msg string, nested bool) *stream {
	s.b.PutInt32(code)
	s.b.PutString("DB::Exception")
	s.b.PutString(msg)
	s.b.PutString("stack")
	s.b.PutBool(nested)
	return s
}

// recorder is a Handler that decodes every column with ch-go's inference
// and records the blocks.
type recorder struct {
	types  []string
	blocks []int
	cols   []proto.ColResult
	stopAt int // ErrStop at this block's index (0 = never)
}

func (h *recorder) Column(i int, name, typ string) (proto.ColResult, error) {
	c, err := decoderFor(typ)
	if err != nil {
		return nil, err
	}
	h.types = append(h.types, name+" "+typ)
	h.cols = append(h.cols, c)
	return c, nil
}

func (h *recorder) Block(rows int) error {
	h.blocks = append(h.blocks, rows)
	if h.stopAt > 0 && len(h.blocks) == h.stopAt {
		return ErrStop
	}
	return nil
}

func dialFake(t *testing.T, addr string) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), Options{Addr: addr, User: "default"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestQueryPacket: settings go as numbers to a server before revision
// 54429 and as text from it; a value the old encoding cannot carry is an
// error before anything is sent.
func TestQueryPacket(t *testing.T) {
	settings := []Setting{{"max_execution_time", 21}, {"readonly", 1}, {"join_use_nulls", true}, {"max_threads", int64(3)}}
	tests := []struct {
		rev     int
		want    map[string]string
		setting Setting // refused by this revision when not empty
	}{
		{54412, map[string]string{"max_execution_time": "#21", "readonly": "#1", "join_use_nulls": "#1", "max_threads": "#3"}, Setting{"timezone", "UTC"}},
		{54429, map[string]string{"max_execution_time": "21", "readonly": "1", "join_use_nulls": "1", "max_threads": "3"}, Setting{}},
		{54470, map[string]string{"max_execution_time": "21", "readonly": "1", "join_use_nulls": "1", "max_threads": "3"}, Setting{}},
	}
	for _, tc := range tests {
		var eos stream
		eos.v = min(tc.rev, ClientRevision)
		eos.code(proto.ServerCodeEndOfStream)
		addr, queries := fakeServer(t, tc.rev, func(sentQuery) []byte { return eos.b.Buf })
		c := dialFake(t, addr)
		if c.Revision() != min(tc.rev, ClientRevision) {
			t.Fatalf("revision %d: negotiated %d", tc.rev, c.Revision())
		}
		if tc.setting.Name != "" {
			_, err := c.Query(context.Background(), Query{ID: "q0", SQL: "SELECT 1", Settings: []Setting{tc.setting}}, &recorder{})
			if err == nil || !strings.Contains(err.Error(), "takes only non-negative whole numbers") {
				t.Fatalf("revision %d: setting %v: got %v", tc.rev, tc.setting, err)
			}
		}
		if _, err := c.Query(context.Background(), Query{ID: "q1", SQL: "SELECT 1", Settings: settings}, &recorder{}); err != nil {
			t.Fatalf("revision %d: %v", tc.rev, err)
		}
		q := <-queries
		if q.id != "q1" || q.sql != "SELECT 1" || len(q.settings) != len(tc.want) {
			t.Fatalf("revision %d: the server read %+v", tc.rev, q)
		}
		for k, v := range tc.want {
			if q.settings[k] != v {
				t.Errorf("revision %d: setting %s = %q, want %q", tc.rev, k, q.settings[k], v)
			}
		}
	}
}

// TestServerStreams: the client's answer to each shape of server stream,
// well formed or not. Nothing panics; a malformed stream closes the
// connection; an exception leaves it usable.
func TestServerStreams(t *testing.T) {
	const rev = 54412
	ints := func(vs ...int64) proto.InputColumn {
		c := proto.ColInt64(vs)
		return proto.InputColumn{Name: "n", Data: &c}
	}
	tests := []struct {
		name    string
		build   func(t testing.TB, s *stream)
		stopAt  int
		err     string // substring; empty: no error
		blocks  []int
		broken  bool
		rows    uint64
		cancels bool
	}{
		{name: "header, blocks, progress, end", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).progress(3, 24).data(t, ints(1, 2)).data(t, ints(3))
			proto.Profile{Rows: 3}.EncodeAware(&s.b, s.v)
			s.data(t).code(proto.ServerCodeEndOfStream)
		}, blocks: []int{0, 2, 1}, rows: 3},
		{name: "totals and extremes are skipped", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).data(t, ints(1))
			s.code(proto.ServerCodeTotals)
			s.b.PutString("")
			_ = proto.Block{Info: proto.BlockInfo{BucketNum: -1}, Columns: 1, Rows: 1}.EncodeBlock(&s.b, s.v, []proto.InputColumn{ints(9)})
			s.code(proto.ServerCodeEndOfStream)
		}, blocks: []int{0, 1}},
		{name: "exception", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).exception(60, "DB::Exception: Table default.x doesn't exist.", false)
		}, err: "code 60: DB::Exception: Table default.x doesn't exist.", blocks: []int{0}},
		{name: "nested exception", build: func(t testing.TB, s *stream) {
			s.exception(1000, "outer", true).nestedException(1001, "inner", false)
		}, err: "code 1000: outer"},
		{name: "stop early", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).data(t, ints(1, 2)).data(t, ints(3))
		}, stopAt: 2, blocks: []int{0, 2}, broken: true, cancels: true},
		{name: "unknown packet", build: func(t testing.TB, s *stream) { s.raw(99) },
			err: "packet 99", broken: true},
		{name: "rows out of range", build: func(t testing.TB, s *stream) {
			s.code(proto.ServerCodeData)
			s.b.PutString("")
			proto.BlockInfo{}.Encode(&s.b)
			s.b.PutInt(1)
			s.b.PutInt(1 << 40)
		}, err: "out of range", broken: true},
		{name: "stream cut inside a block", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).data(t, ints(1, 2, 3))
			s.b.Buf = s.b.Buf[:len(s.b.Buf)-5]
		}, err: "column \"n\" (Int64)", blocks: []int{0}, broken: true},
		{name: "a column of another shape than the header's", build: func(t testing.TB, s *stream) {
			s.data(t, ints()).data(t, ints(1), ints(2))
		}, err: "2 columns, the header 1", blocks: []int{0}, broken: true},
		{name: "bad boolean", build: func(t testing.TB, s *stream) { s.code(proto.ServerCodeException).raw(1, 0, 0, 0, 0, 0, 0, 7) },
			err: "exception", broken: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &stream{v: rev}
			tc.build(t, s)
			addr, queries := fakeServer(t, rev, func(sentQuery) []byte { return s.b.Buf })
			c := dialFake(t, addr)
			h := &recorder{stopAt: tc.stopAt}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			st, err := c.Query(ctx, Query{ID: "q", SQL: "SELECT n"}, h)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if ctx.Err() != nil {
				t.Fatal("the query waited for the deadline")
			}
			if fmtInts(h.blocks) != fmtInts(tc.blocks) {
				t.Errorf("blocks %v, want %v", h.blocks, tc.blocks)
			}
			if c.Broken() != tc.broken {
				t.Errorf("broken %v, want %v", c.Broken(), tc.broken)
			}
			if st.ReadRows != tc.rows {
				t.Errorf("progress rows %d, want %d", st.ReadRows, tc.rows)
			}
			if tc.stopAt > 0 && !st.Stopped {
				t.Error("not marked stopped")
			}
			if tc.cancels {
				if q := <-queries; !q.cancelled {
					t.Error("the server got no cancel")
				}
			}
		})
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(itoa(uint64(n)))
	}
	return b.String()
}

// TestCancelUnblocksRead: a context that ends while the server sends
// nothing ends the query at once, with the context's error, and closes
// the connection.
func TestCancelUnblocksRead(t *testing.T) {
	addr, _ := fakeServer(t, 54412, func(sentQuery) []byte { return nil })
	c := dialFake(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.Query(ctx, Query{ID: "q", SQL: "SELECT sleep(3)"}, &recorder{})
	if !errors.Is(err, context.Canceled) || !c.Broken() {
		t.Fatalf("error %v, broken %v", err, c.Broken())
	}
}

// FuzzServerStream: any bytes a server sends after the handshake end the
// query with a result or an error, never a panic or a hang.
func FuzzServerStream(f *testing.F) {
	for _, seed := range []func(s *stream){
		func(s *stream) {
			c := proto.ColInt64{1, 2}
			var str proto.ColStr
			str.Append("a")
			str.Append("bc")
			s.data(f, proto.InputColumn{Name: "n", Data: &c}, proto.InputColumn{Name: "s", Data: &str}).progress(2, 10).code(proto.ServerCodeEndOfStream)
		},
		func(s *stream) { s.exception(62, "Syntax error", false) },
	} {
		s := &stream{v: 54412}
		seed(s)
		f.Add(s.b.Buf)
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		addr, _ := fakeServerWaiting(t, 54412, time.Millisecond, func(sentQuery) []byte { return answer }, nil)
		c, err := Dial(context.Background(), Options{Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, _ = c.Query(ctx, Query{ID: "q", SQL: "SELECT 1"}, &recorder{})
	})
}

// TestStopDrains: a query the handler stops is cancelled and read to the
// server's end of stream: the blocks still on their way are dropped, the
// connection stays usable, and the stop is not an error; a handler's error
// is returned after the drain.
func TestStopDrains(t *testing.T) {
	c64 := func(vs ...int64) proto.InputColumn {
		c := proto.ColInt64(vs)
		return proto.InputColumn{Name: "n", Data: &c}
	}
	for _, tc := range []struct {
		name    string
		stopAt  int
		refuse  bool
		after   func(t testing.TB, s *stream)
		err     string
		drained bool
	}{
		{name: "end of stream", stopAt: 2, after: func(t testing.TB, s *stream) { s.data(t, c64(3)).code(proto.ServerCodeEndOfStream) }, drained: true},
		{name: "cancelled exception", stopAt: 2, after: func(t testing.TB, s *stream) { s.exception(394, "Query was cancelled", false) }, drained: true},
		{name: "refused column", refuse: true, after: func(t testing.TB, s *stream) { s.data(t, c64(5)).code(proto.ServerCodeEndOfStream) }, err: "refused", drained: true},
		{name: "connection cut", stopAt: 2, after: func(t testing.TB, s *stream) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stream{v: 54412}
			s.data(t, c64()).data(t, c64(1, 2))
			after := &stream{v: 54412}
			tc.after(t, after)
			addr, queries := fakeServerWaiting(t, 54412, 2*time.Second, func(sentQuery) []byte { return s.b.Buf }, after.b.Buf)
			c := dialFake(t, addr)
			h := &refuser{recorder: recorder{stopAt: tc.stopAt}, refuse: tc.refuse}
			st, err := c.Query(context.Background(), Query{ID: "q", SQL: "SELECT n"}, h)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if !st.Stopped || st.Drained != tc.drained || c.Broken() == tc.drained {
				t.Fatalf("stopped %v drained %v broken %v", st.Stopped, st.Drained, c.Broken())
			}
			if q := <-queries; !q.cancelled {
				t.Error("the server got no cancel")
			}
			if len(h.blocks) > 2 {
				t.Errorf("the handler saw blocks after it stopped: %v", h.blocks)
			}
		})
	}
}

// refuser is a recorder that refuses every column when refuse is set.
type refuser struct {
	recorder
	refuse bool
}

func (h *refuser) Column(i int, name, typ string) (proto.ColResult, error) {
	if h.refuse {
		return nil, errors.New("refused")
	}
	return h.recorder.Column(i, name, typ)
}

// TestTLS: with Options.TLS the client speaks the protocol inside TLS,
// checking the server's certificate against the name of Addr's host; a
// certificate for another name is refused before anything is sent.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t, "127.0.0.1")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	var eos stream
	eos.v = 54412
	eos.code(proto.ServerCodeEndOfStream)
	addr, queries := fakeServerOn(t, ln, 54412, 200*time.Millisecond, func(sentQuery) []byte { return eos.b.Buf }, nil)
	c, err := Dial(context.Background(), Options{Addr: addr, TLS: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query(context.Background(), Query{ID: "q", SQL: "SELECT 1"}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if q := <-queries; q.sql != "SELECT 1" {
		t.Fatalf("the server read %+v", q)
	}

	other, otherPool := selfSigned(t, "db.example.com")
	ln2, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{other}})
	if err != nil {
		t.Fatal(err)
	}
	addr2, _ := fakeServerOn(t, ln2, 54412, 0, func(sentQuery) []byte { return nil }, nil)
	if _, err := Dial(context.Background(), Options{Addr: addr2, TLS: &tls.Config{RootCAs: otherPool}}); err == nil || !strings.Contains(err.Error(), "TLS handshake") {
		t.Fatalf("a certificate for another name: %v", err)
	}
}

// selfSigned makes a certificate for host and a pool that trusts it.
func selfSigned(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
