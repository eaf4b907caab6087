// Package native reads query results from a ClickHouse server over its
// native TCP protocol, block by block, into ch-go's typed columns
// (github.com/ClickHouse/ch-go/proto): a String column arrives as one byte
// buffer with offsets, a number column as one typed slice, with no value
// allocated per row. It is the read path of Quarry's ClickHouse engine;
// everything else (health, catalog, estimates, KILL QUERY) stays on
// clickhouse-go.
//
// The client speaks protocol revision 54429 (ClickHouse 19.x): settings go
// as strings to servers of that revision or later, and as numbers to older
// ones (18.16 is 54412), whose query packet carries the client info from
// revision 54032. The packets it writes are written here for the
// negotiated revision; ch-go supplies the decoders of blocks, progress and
// profile packets, and the LZ4/ZSTD frames.
package native

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ClickHouse/ch-go/compress"
	"github.com/ClickHouse/ch-go/proto"
)

// ClientRevision is the protocol revision the client speaks.
const ClientRevision = 54429

// Revisions the client's packets depend on (ClickHouse's ProtocolDefines.h).
const (
	revClientInfo         = 54032
	revQuotaKeyInInfo     = 54060
	revVersionPatch       = 54401
	revSettingsAsStrings  = 54429
	revTempTables         = 50264
	revBlockInfo          = 51903
	clientName            = "quarry"
	clientMajor           = 1
	clientMinor           = 0
	clientPatch           = 0
	clientCodeHello       = 0
	clientCodeQuery       = 1
	clientCodeData        = 2
	clientCodeCancel      = 3
	stageComplete         = 2
	interfaceTCP          = 1
	queryKindInitialQuery = 1
)

// Options say where and how to connect.
type Options struct {
	Addr     string // host:port
	Database string
	User     string
	Password string
	// TLS, when not nil, wraps the connection (its ServerName defaults to
	// the host of Addr).
	TLS         *tls.Config
	DialTimeout time.Duration
	// Compression asks the server to compress result blocks (LZ4 unless the
	// server's network_compression_method says otherwise).
	Compression bool
}

// Conn is one connection. It is not safe for concurrent use.
type Conn struct {
	conn     net.Conn
	r        *proto.Reader
	buf      proto.Buffer
	opts     Options
	server   proto.ServerHello
	revision int // min(client, server)
	created  time.Time
	used     time.Time
	broken   bool
	received bool // a packet of the current query arrived
	hostname string
	lz4      *compress.Writer
}

// Dial connects and runs the handshake.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	timeout := opts.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: connecting to %s: %w", opts.Addr, err)
	}
	if opts.TLS != nil {
		cfg := opts.TLS.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(opts.Addr)
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("clickhouse: TLS handshake with %s: %w", opts.Addr, err)
		}
		nc = tc
	}
	c := &Conn{conn: nc, r: proto.NewReader(nc), opts: opts, created: time.Now()}
	c.hostname, _ = os.Hostname()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = nc.SetDeadline(deadline)
	if err := c.handshake(); err != nil {
		_ = nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	c.used = time.Now()
	return c, nil
}

func (c *Conn) handshake() error {
	c.buf.Reset()
	proto.ClientHello{
		Name:            clientName,
		Major:           clientMajor,
		Minor:           clientMinor,
		ProtocolVersion: ClientRevision,
		Database:        c.opts.Database,
		User:            c.opts.User,
		Password:        c.opts.Password,
	}.Encode(&c.buf)
	if err := c.flush(); err != nil {
		return fmt.Errorf("clickhouse: sending hello: %w", err)
	}
	code, err := c.r.UVarInt()
	if err != nil {
		return fmt.Errorf("clickhouse: reading the server's hello: %w", err)
	}
	switch proto.ServerCode(code) {
	case proto.ServerCodeHello:
		if err := c.readHello(); err != nil {
			return fmt.Errorf("clickhouse: decoding the server's hello: %w", err)
		}
	case proto.ServerCodeException:
		return c.readException()
	default:
		return fmt.Errorf("clickhouse: the server answered hello with packet %d", code)
	}
	c.revision = min(c.server.Revision, ClientRevision)
	return nil
}

// Revision is the negotiated protocol revision.
func (c *Conn) Revision() int { return c.revision }

// Close closes the connection.
func (c *Conn) Close() error {
	c.broken = true
	return c.conn.Close()
}

func (c *Conn) flush() error {
	_, err := c.conn.Write(c.buf.Buf)
	c.buf.Reset()
	if err != nil {
		c.broken = true
	}
	return err
}

// Exception is an error the server sent. Nested holds the exceptions it
// wraps, outermost first.
type Exception struct {
	Code    int32
	Name    string
	Message string
	Stack   string
	Nested  []Exception
}

func (e *Exception) Error() string {
	return fmt.Sprintf("clickhouse: code %d: %s", e.Code, e.Message)
}

// readException decodes an exception packet (after its code).
func (c *Conn) readException() error {
	var top *Exception
	for {
		var e Exception
		code, err := c.r.Int32()
		if err != nil {
			return c.readErr("exception code", err)
		}
		e.Code = code
		if e.Name, err = c.str(); err != nil {
			return c.readErr("exception name", err)
		}
		if e.Message, err = c.str(); err != nil {
			return c.readErr("exception message", err)
		}
		if e.Stack, err = c.str(); err != nil {
			return c.readErr("exception stack", err)
		}
		nested, err := c.r.Bool()
		if err != nil {
			return c.readErr("exception", err)
		}
		if top == nil {
			top = &e
		} else {
			top.Nested = append(top.Nested, e)
		}
		if !nested {
			return top
		}
	}
}

func (c *Conn) readErr(what string, err error) error {
	c.broken = true
	return fmt.Errorf("clickhouse: reading %s: %w", what, err)
}

// readHello decodes the server's hello as a server writes it for
// ClientRevision.
func (c *Conn) readHello() error {
	var err error
	h := &c.server
	if h.Name, err = c.str(); err != nil {
		return err
	}
	for _, v := range []*int{&h.Major, &h.Minor, &h.Revision} {
		if *v, err = c.r.Int(); err != nil {
			return err
		}
	}
	if h.Timezone, err = c.str(); err != nil { // revision 54058
		return err
	}
	if h.DisplayName, err = c.str(); err != nil { // 54372
		return err
	}
	h.Patch, err = c.r.Int() // 54401
	return err
}

// maxProtocolString bounds the strings of the protocol itself (names,
// types, messages); values are read by Text.
const maxProtocolString = 16 << 20

// str reads a protocol string, allocating as its bytes arrive.
func (c *Conn) str() (string, error) {
	n, err := c.r.StrLen()
	if err != nil {
		return "", err
	}
	if n > maxProtocolString {
		return "", fmt.Errorf("a string of %d bytes is longer than the %d the client reads", n, maxProtocolString)
	}
	b, err := appendRead(c.r, nil, n)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
