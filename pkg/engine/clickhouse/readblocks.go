package clickhouse

import (
	"context"
	"errors"
	"sort"

	"github.com/ClickHouse/ch-go/proto"
	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse/native"
	"github.com/bigtent/quarry/pkg/frames"
)

// readBlocks runs sql on the block reader and appends each block's
// columns to a table's builders, a block at a time. errNoColumnar means a
// column has no columnar reader (the caller runs the row scan instead).
func (e *Engine) readBlocks(ctx context.Context, sql string, settings ch.Settings, queryID string, opts frames.TableOptions) (*frames.Table, native.Stats, error) {
	q := native.Query{ID: queryID, SQL: sql, Settings: make([]native.Setting, 0, len(settings))}
	for k, v := range settings {
		q.Settings = append(q.Settings, native.Setting{Name: k, Value: v})
	}
	sort.Slice(q.Settings, func(i, j int) bool { return q.Settings[i].Name < q.Settings[j].Name })
	sink := &blockSink{opts: opts}
	st, err := e.blocks.Query(ctx, q, sink)
	if err != nil {
		var ex *native.Exception
		if errors.As(err, &ex) {
			err = &ch.Exception{Code: ex.Code, Name: ex.Name, Message: ex.Message, StackTrace: ex.Stack}
		}
		return nil, st, err
	}
	if sink.table == nil { // no header: a statement without a result
		sink.table = frames.NewTable(nil, opts)
	}
	return sink.table, st, nil
}

// blockSink builds the table from the header's columns and appends each
// block up to the row cap (native.Handler).
type blockSink struct {
	opts  frames.TableOptions
	specs []frames.ColumnSpec
	types []string
	data  []proto.ColResult
	apps  []appendBlock
	table *frames.Table
	room  int
}

func (s *blockSink) Column(i int, name, typ string) (proto.ColResult, error) {
	c, ok := blockColumnFor(typ)
	if !ok {
		return nil, errNoColumnar
	}
	base, _ := baseType(typ)
	spec, _ := TypeMap.Spec(name, base)
	spec.DBType = typ
	s.specs = append(s.specs, spec)
	s.types = append(s.types, typ)
	s.data = append(s.data, c)
	return c, nil
}

func (s *blockSink) Block(rows int) error {
	if s.table == nil {
		s.table = frames.NewTable(s.specs, s.opts)
		for i, d := range s.data {
			app, ok := appenderFor(d, s.table.Column(i), s.types[i])
			if !ok {
				return errNoColumnar
			}
			s.apps = append(s.apps, app)
		}
		s.room = s.table.Room()
	}
	if rows == 0 {
		return nil
	}
	if s.room == 0 {
		s.table.MarkTruncated()
		return native.ErrStop
	}
	take := min(rows, s.room)
	for _, app := range s.apps {
		app(take)
	}
	if err := s.table.Commit(take); err != nil {
		return engine.Plugin(err)
	}
	if take < rows {
		s.table.MarkTruncated()
		return native.ErrStop
	}
	s.room = s.table.Room() // 0 once the byte cap cut the table
	return nil
}
