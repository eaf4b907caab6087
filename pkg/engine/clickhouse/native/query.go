package native

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/compress"
	"github.com/ClickHouse/ch-go/proto"
)

// Setting is one query setting. Value is an int, int64, uint64, bool or
// string; servers before revision 54429 take numbers only.
type Setting struct {
	Name  string
	Value any
}

// Query is one statement and what it runs with.
type Query struct {
	ID       string
	SQL      string
	Settings []Setting
}

// Handler receives a query's result blocks.
type Handler interface {
	// Column is called once per result column, while the first block
	// (the header) is read, with the column's name and ClickHouse type.
	// It returns the ch-go column the column's values are decoded into in
	// every block. An error ends the query.
	Column(i int, name, typ string) (proto.ColResult, error)
	// Block is called after each block is decoded into those columns: the
	// header first (rows 0), then each block of rows. ErrStop ends the
	// query early without an error; any other error ends it with that
	// error. Either way the server is told to cancel and the connection is
	// closed.
	Block(rows int) error
}

// ErrStop, returned by Handler.Block, ends a query early.
var ErrStop = errors.New("native: stop reading")

// Stats are what the server reported while the query ran.
type Stats struct {
	ReadRows  uint64
	ReadBytes uint64
	// Stopped says the handler ended the query; Drained that the server
	// then confirmed the end (the query no longer runs).
	Stopped, Drained bool
}

// Limits against a corrupt or hostile stream (ClickHouse sets none).
const (
	maxColumns = 1 << 20
	// maxRows bounds a block (ClickHouse sends up to max_block_size rows,
	// 65,536 by default; ARRAY JOIN can multiply that), and so what a
	// number column of a block allocates.
	maxRows = 1 << 24
)

// drainTimeout bounds how long the client reads a cancelled query's
// remaining packets, waiting for the server to confirm the end.
const drainTimeout = 3 * time.Second

// Query runs q and hands its blocks to h. The connection can run another
// query afterwards only when Broken reports false. When h ends the query
// (ErrStop or an error) the client sends the protocol's cancel and reads
// the packets already on their way until the server confirms the end
// (Stats.Drained), which leaves the connection usable; a context that
// ends, or a stream that fails, closes it. A server exception is returned
// as *Exception and leaves the connection usable.
func (c *Conn) Query(ctx context.Context, q Query, h Handler) (st Stats, err error) {
	if c.broken {
		return st, errors.New("clickhouse: the connection is closed")
	}
	c.received = false
	if d, ok := ctx.Deadline(); ok {
		_ = c.conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Unix(1, 0)) })
	var stopErr error // the handler's reason to end the query
	defer func() {
		if r := recover(); r != nil { // a decoder's panic on a malformed stream
			c.broken = true
			err = fmt.Errorf("clickhouse: the server's result stream is malformed: %v", r)
		}
		if !stop() {
			c.broken = true // the deadline was moved into the past
		}
		if c.broken {
			_ = c.conn.Close()
		} else {
			_ = c.conn.SetDeadline(time.Time{})
		}
		if stopErr != nil {
			// What the server said after the cancel ("query was
			// cancelled", or a cut stream) is not the query's outcome.
			st.Stopped = true
			err = stopErr
			if errors.Is(stopErr, ErrStop) {
				err = nil
			}
		}
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		c.used = time.Now()
	}()
	if err := c.writeQuery(q); err != nil {
		return st, err
	}
	var cols []proto.ColResult
	first := true
	stopWith := func(reason error) {
		stopErr = reason
		c.buf.Reset()
		c.buf.PutUVarInt(clientCodeCancel)
		if c.flush() != nil {
			return
		}
		deadline := time.Now().Add(drainTimeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		if ctx.Err() == nil {
			_ = c.conn.SetDeadline(deadline)
		}
	}
	for {
		code, err := c.r.UVarInt()
		if err != nil {
			return st, c.readErr("the next packet", err)
		}
		c.received = true
		switch proto.ServerCode(code) {
		case proto.ServerCodeData:
			var columnFor func(i int, name, typ string) (proto.ColResult, error)
			if first {
				columnFor = h.Column
			}
			rows, end, err := c.readBlock(c.opts.Compression, &cols, columnFor)
			var handlerErr *columnError
			switch {
			case errors.As(err, &handlerErr):
				stopWith(handlerErr.err)
				first = false
				continue
			case err != nil:
				return st, err
			case end:
				continue
			}
			first = false
			if stopErr != nil {
				continue // draining
			}
			if err := h.Block(rows); err != nil {
				stopWith(err)
			}
		case proto.ServerCodeException:
			ex := c.readException()
			st.Drained = stopErr != nil && !c.broken
			return st, ex
		case proto.ServerCodeProgress:
			var p proto.Progress
			if err := p.DecodeAware(c.r, c.revision); err != nil {
				return st, c.readErr("progress", err)
			}
			st.ReadRows += p.Rows
			st.ReadBytes += p.Bytes
		case proto.ServerCodeProfile:
			var p proto.Profile
			if err := p.DecodeAware(c.r, c.revision); err != nil {
				return st, c.readErr("profile info", err)
			}
		case proto.ServerCodeTotals, proto.ServerCodeExtremes:
			if err := c.skipBlock(c.opts.Compression); err != nil {
				return st, err
			}
		case proto.ServerCodeLog:
			if err := c.skipBlock(false); err != nil {
				return st, err
			}
		case proto.ServerCodeTableColumns:
			for range 2 { // external table name, columns description
				if _, err := c.str(); err != nil {
					return st, c.readErr("table columns", err)
				}
			}
		case proto.ServerCodeEndOfStream:
			st.Drained = stopErr != nil
			return st, nil
		default:
			c.broken = true
			return st, fmt.Errorf("clickhouse: the server sent packet %d, which protocol revision %d does not have", code, c.revision)
		}
	}
}

// Broken reports whether the connection was closed (it cannot be reused).
func (c *Conn) Broken() bool { return c.broken }

// columnError carries the handler's refusal of a column out of readBlock,
// which reads the rest of the block before returning it.
type columnError struct{ err error }

func (e *columnError) Error() string { return e.err.Error() }

// skipBlock reads and drops a totals, extremes or log block.
func (c *Conn) skipBlock(compressed bool) error {
	var cols []proto.ColResult
	_, _, err := c.readBlock(compressed, &cols, func(_ int, _, typ string) (proto.ColResult, error) {
		return decoderFor(typ)
	})
	var ce *columnError
	if errors.As(err, &ce) {
		c.broken = true
		return fmt.Errorf("clickhouse: a totals, extremes or log block: %w", ce.err)
	}
	return err
}

// decoderFor is a column that decodes any value of typ: Text for the
// String types, ch-go's inferred column for the others.
func decoderFor(typ string) (proto.ColResult, error) {
	switch typ {
	case "String":
		return &Text{}, nil
	case "Nullable(String)":
		return &proto.ColNullable[string]{Values: &Text{}}, nil
	case "LowCardinality(String)":
		return proto.NewLowCardinality[string](&Text{}), nil
	}
	if n, ok := strings.CutPrefix(typ, "FixedString("); ok {
		if size, err := strconv.Atoi(strings.TrimSuffix(n, ")")); err == nil && size > 0 {
			return &proto.ColFixedStr{Size: size}, nil
		}
	}
	if inner, ok := strings.CutPrefix(typ, "Nullable("); ok && strings.HasPrefix(inner, "FixedString(") {
		if c, err := decoderFor(strings.TrimSuffix(inner, ")")); err == nil {
			return &proto.ColNullable[[]byte]{Values: c.(*proto.ColFixedStr)}, nil
		}
	}
	var col proto.ColAuto
	if err := col.Infer(proto.ColumnType(typ)); err != nil {
		return nil, err
	}
	return col.Data, nil
}

// readBlock reads a block packet (after its code) into cols. When
// columnFor is not nil, it makes each column (cols must be empty);
// otherwise the block must have cols' columns. A column columnFor refuses
// is decoded by decoderFor, so the block is read whole, and the refusal
// comes back as *columnError.
func (c *Conn) readBlock(compressed bool, cols *[]proto.ColResult, columnFor func(i int, name, typ string) (proto.ColResult, error)) (rows int, end bool, err error) {
	var refused error
	if c.revision >= revTempTables {
		if _, err := c.str(); err != nil {
			return 0, false, c.readErr("block packet", err)
		}
	}
	if compressed {
		c.r.EnableCompression()
		defer c.r.DisableCompression()
	}
	if c.revision >= revBlockInfo {
		var info proto.BlockInfo
		if err := info.Decode(c.r); err != nil {
			return 0, false, c.readErr("block info", err)
		}
	}
	ncols, err := c.r.Int()
	if err != nil {
		return 0, false, c.readErr("block columns", err)
	}
	nrows, err := c.r.Int()
	if err != nil {
		return 0, false, c.readErr("block rows", err)
	}
	if ncols < 0 || ncols > maxColumns || nrows < 0 || nrows > maxRows {
		c.broken = true
		return 0, false, fmt.Errorf("clickhouse: a block of %d columns and %d rows is out of range", ncols, nrows)
	}
	if ncols == 0 && nrows == 0 {
		return 0, true, nil
	}
	if columnFor == nil && ncols != len(*cols) {
		c.broken = true
		return 0, false, fmt.Errorf("clickhouse: a block has %d columns, the header %d", ncols, len(*cols))
	}
	for i := range ncols {
		name, err := c.str()
		if err != nil {
			return 0, false, c.readErr("column name", err)
		}
		typ, err := c.str()
		if err != nil {
			return 0, false, c.readErr("column type", err)
		}
		if columnFor != nil {
			col, err := columnFor(i, name, typ)
			if err != nil {
				if refused == nil {
					refused = err
				}
				col = nil // decoded by decoderFor when a block has rows
			}
			*cols = append(*cols, col)
		}
		if (*cols)[i] == nil {
			if nrows == 0 {
				continue
			}
			col, err := decoderFor(typ)
			if err != nil {
				c.broken = true
				return 0, false, fmt.Errorf("clickhouse: column %q (%s): %w", name, typ, err)
			}
			(*cols)[i] = col
		}
		col := (*cols)[i]
		col.Reset()
		if nrows == 0 {
			continue
		}
		if n := fixedBytes(col, nrows); n > maxFixedColumnBytes || n < 0 {
			c.broken = true
			return 0, false, fmt.Errorf("clickhouse: column %q (%s) of a block of %d rows is larger than the %d bytes the client reads", name, typ, nrows, maxFixedColumnBytes)
		}
		if s, ok := col.(proto.StateDecoder); ok {
			if err := s.DecodeState(c.r); err != nil {
				return 0, false, c.readErr(fmt.Sprintf("column %q (%s)", name, typ), err)
			}
		}
		if err := col.DecodeColumn(c.r, nrows); err != nil {
			return 0, false, c.readErr(fmt.Sprintf("column %q (%s)", name, typ), err)
		}
	}
	if refused != nil {
		return nrows, false, &columnError{refused}
	}
	return nrows, false, nil
}

// writeQuery sends the query packet for the negotiated revision and the
// empty data block that says the client sends no data.
func (c *Conn) writeQuery(q Query) error {
	b := &c.buf
	b.Reset()
	b.PutUVarInt(clientCodeQuery)
	b.PutString(q.ID)
	if c.revision >= revClientInfo {
		c.writeClientInfo()
	}
	for _, s := range q.Settings {
		if err := c.writeSetting(s); err != nil {
			b.Reset()
			return err
		}
	}
	b.PutString("") // end of settings
	b.PutUVarInt(stageComplete)
	if c.opts.Compression {
		b.PutUVarInt(1)
	} else {
		b.PutUVarInt(0)
	}
	b.PutString(q.SQL)

	b.PutUVarInt(clientCodeData)
	if c.revision >= revTempTables {
		b.PutString("")
	}
	var block proto.Buffer
	if c.revision >= revBlockInfo {
		proto.BlockInfo{BucketNum: -1}.Encode(&block)
	}
	block.PutUVarInt(0) // columns
	block.PutUVarInt(0) // rows
	if c.opts.Compression {
		if c.lz4 == nil {
			c.lz4 = compress.NewWriter(compress.LevelZero, compress.LZ4)
		}
		if err := c.lz4.Compress(block.Buf); err != nil {
			b.Reset()
			return fmt.Errorf("clickhouse: compressing the empty block: %w", err)
		}
		b.PutRaw(c.lz4.Data)
	} else {
		b.PutRaw(block.Buf)
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("clickhouse: sending the query: %w", err)
	}
	return nil
}

// writeClientInfo writes the query's client info as revisions up to
// ClientRevision read it.
func (c *Conn) writeClientInfo() {
	b := &c.buf
	b.PutByte(queryKindInitialQuery)
	b.PutString("")                          // initial user
	b.PutString("")                          // initial query id
	b.PutString(c.conn.LocalAddr().String()) // initial address
	b.PutByte(interfaceTCP)
	b.PutString("") // OS user
	b.PutString(c.hostname)
	b.PutString(clientName)
	b.PutUVarInt(clientMajor)
	b.PutUVarInt(clientMinor)
	b.PutUVarInt(ClientRevision)
	if c.revision >= revQuotaKeyInInfo {
		b.PutString("") // quota key
	}
	if c.revision >= revVersionPatch {
		b.PutUVarInt(clientPatch)
	}
}

// writeSetting writes one setting: from revision 54429 as name, flags and
// text; before it as name and a number, the only values the client sends
// to such servers.
func (c *Conn) writeSetting(s Setting) error {
	b := &c.buf
	if c.revision >= revSettingsAsStrings {
		b.PutString(s.Name)
		b.PutUVarInt(0) // flags: not important, not custom
		b.PutString(settingText(s.Value))
		return nil
	}
	n, ok := settingNumber(s.Value)
	if !ok {
		return fmt.Errorf("clickhouse: setting %s = %v: this server (protocol revision %d) takes only non-negative whole numbers as query settings", s.Name, s.Value, c.revision)
	}
	b.PutString(s.Name)
	b.PutUVarInt(n)
	return nil
}

func settingText(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "1"
		}
		return "0"
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprint(v)
}

func settingNumber(v any) (uint64, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case int:
		return uint64(v), v >= 0
	case int64:
		return uint64(v), v >= 0
	case uint64:
		return v, true
	}
	return 0, false
}
