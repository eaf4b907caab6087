package frames

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// chunkRun is what a chunked fill observed: the rows of each flushed chunk
// and of the last one (left in the table), with their values.
type chunkRun struct {
	chunks  []int // rows per flushed chunk
	last    int   // rows left in the table
	ids     []int64
	nulls   []int64 // ids whose text was NULL
	texts   []string
	notices []string
}

// fillChunked appends pages of rows (id, text of width w, NULL text every
// 7th id) the way the engines do (never more than Room, one Commit per
// page) and records every chunk's values as Flush sees them.
func fillChunked(t *testing.T, opts TableOptions, pages []int, w int, flushErr error) (*Table, chunkRun, error) {
	t.Helper()
	var run chunkRun
	read := func(tb *Table) {
		ids := tb.Column(0).(*Builder[int64])
		texts := tb.Column(1).(*Strings)
		for i := 0; i < tb.Len(); i++ {
			run.ids = append(run.ids, ids.Values()[i])
			if texts.IsNull(i) {
				run.nulls = append(run.nulls, ids.Values()[i])
				continue
			}
			run.texts = append(run.texts, strings.Clone(texts.Value(i))) // the buffer is reused after Flush
		}
	}
	opts.Chunk.Flush = func(tb *Table) error {
		if len(tb.Notices()) > 0 {
			t.Errorf("chunk %d carries notices %v: they belong to the last chunk", len(run.chunks)+1, tb.Notices())
		}
		run.chunks = append(run.chunks, tb.Len())
		read(tb)
		return flushErr
	}
	tb := NewTable([]ColumnSpec{{Name: "id", Kind: KindInt64}, {Name: "s", Kind: KindString}}, opts)
	ids := tb.Column(0).(*Builder[int64])
	texts := tb.Column(1).(*Strings)
	next := int64(0)
	for _, n := range pages {
		room := tb.Room()
		if room == 0 {
			tb.MarkTruncated()
			break
		}
		n = min(n, room)
		for i := 0; i < n; i++ {
			ids.Append(next)
			if next%7 == 0 {
				texts.AppendNull()
			} else {
				texts.AppendBytes([]byte(fmt.Sprintf("%0*d", w, next)))
			}
			next++
		}
		if err := tb.Commit(n); err != nil {
			return tb, run, err
		}
	}
	run.last = tb.Len()
	read(tb)
	for _, n := range tb.Notices() {
		run.notices = append(run.notices, n.Text)
	}
	return tb, run, nil
}

func TestChunkedTableFlushes(t *testing.T) {
	// A row holds 8 (int64) + 16 (string header) + w bytes of text; NULL
	// texts hold only the header.
	pages := func(n, size int) []int {
		p := make([]int, n)
		for i := range p {
			p[i] = size
		}
		return p
	}
	for _, tc := range []struct {
		name       string
		opts       TableOptions
		pages      []int
		width      int
		wantChunks []int
		wantLast   int
		wantTotal  int64
		wantNotice string
	}{
		{name: "no cap, chunk at the commit that reaches the size",
			opts: TableOptions{Chunk: Chunking{Rows: 250}}, pages: pages(10, 100), width: 4,
			wantChunks: []int{300, 300, 300}, wantLast: 100, wantTotal: 1000},
		{name: "exact multiple leaves an empty last chunk",
			opts: TableOptions{Chunk: Chunking{Rows: 200}}, pages: pages(4, 100), width: 4,
			wantChunks: []int{200, 200}, wantLast: 0, wantTotal: 400},
		{name: "row cap counted over the whole result",
			opts: TableOptions{MaxRows: 550, Chunk: Chunking{Rows: 200}}, pages: pages(10, 100), width: 4,
			wantChunks: []int{200, 200}, wantLast: 150, wantTotal: 550, wantNotice: "results truncated at 550 rows; raise Max rows"},
		{name: "row cap on a chunk boundary is not flushed",
			opts: TableOptions{MaxRows: 400, Chunk: Chunking{Rows: 200}}, pages: pages(10, 100), width: 4,
			wantChunks: []int{200}, wantLast: 200, wantTotal: 400, wantNotice: "results truncated at 400 rows"},
		{name: "byte cap over the whole result, cut inside a page",
			// 40 bytes a row (24 + 16 of text), 24 on NULL rows: 450 rows
			// hold 450*40 - 65*16 = 16960 bytes (ids 0, 7, …, 448 are NULL).
			opts:  TableOptions{MaxBytes: 16960 + 10, Chunk: Chunking{Rows: 200}},
			pages: pages(10, 100), width: 16,
			wantChunks: []int{200, 200}, wantLast: 50, wantTotal: 450,
			wantNotice: "results truncated at 450 rows: they reached the result size limit of 16970 bytes"},
		{name: "chunk bytes end a chunk before its rows",
			// 100 rows hold 100*40 - 15*16 = 3760 bytes at most.
			opts: TableOptions{Chunk: Chunking{Rows: 1 << 20, Bytes: 7000}}, pages: pages(5, 100), width: 16,
			wantChunks: []int{200, 200}, wantLast: 100, wantTotal: 500},
		{name: "default sizes: a small result is one last chunk",
			opts: TableOptions{}, pages: pages(3, 1000), width: 4,
			wantChunks: nil, wantLast: 3000, wantTotal: 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, run, err := fillChunked(t, tc.opts, tc.pages, tc.width, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(run.chunks) != fmt.Sprint(tc.wantChunks) || run.last != tc.wantLast {
				t.Fatalf("chunks %v, last %d; want %v, %d", run.chunks, run.last, tc.wantChunks, tc.wantLast)
			}
			if tb.Total() != tc.wantTotal || tb.Flushed() != tc.wantTotal-int64(tc.wantLast) || tb.Chunks() != len(tc.wantChunks) {
				t.Fatalf("total %d flushed %d chunks %d, want %d %d %d", tb.Total(), tb.Flushed(), tb.Chunks(),
					tc.wantTotal, tc.wantTotal-int64(tc.wantLast), len(tc.wantChunks))
			}
			// Every row once, in order, NULLs where they were appended.
			var wantNulls []int64
			var wantTexts []string
			for i := int64(0); i < tc.wantTotal; i++ {
				if int64(len(run.ids)) <= i || run.ids[i] != i {
					t.Fatalf("row %d: ids %v…", i, run.ids[:min(len(run.ids), 20)])
				}
				if i%7 == 0 {
					wantNulls = append(wantNulls, i)
				} else {
					wantTexts = append(wantTexts, fmt.Sprintf("%0*d", tc.width, i))
				}
			}
			if int64(len(run.ids)) != tc.wantTotal {
				t.Fatalf("%d rows seen, want %d", len(run.ids), tc.wantTotal)
			}
			if fmt.Sprint(run.nulls) != fmt.Sprint(wantNulls) {
				t.Fatalf("NULL ids %v, want %v", run.nulls, wantNulls)
			}
			if strings.Join(run.texts, ",") != strings.Join(wantTexts, ",") {
				t.Fatal("texts differ from those appended")
			}
			switch {
			case tc.wantNotice == "" && len(run.notices) > 0:
				t.Fatalf("unexpected notices %v", run.notices)
			case tc.wantNotice != "" && (len(run.notices) != 1 || !strings.Contains(run.notices[0], tc.wantNotice)):
				t.Fatalf("notices %v, want one containing %q", run.notices, tc.wantNotice)
			}
			if tc.wantNotice != "" && !tb.Truncated() {
				t.Fatal("not marked truncated")
			}
		})
	}
}

func TestChunkedTableFlushError(t *testing.T) {
	boom := errors.New("client went away")
	_, run, err := fillChunked(t, TableOptions{Chunk: Chunking{Rows: 100}}, []int{50, 50, 50, 50}, 4, boom)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "writing chunk 1") {
		t.Fatalf("error %v, want the flush error of chunk 1", err)
	}
	if len(run.chunks) != 1 {
		t.Fatalf("chunks %v: the fill must stop at the failed flush", run.chunks)
	}
}

func TestChunkedTableKeepsCapacity(t *testing.T) {
	// After the first flush the builders are refilled in place: the table
	// holds about one chunk, however many rows pass through it.
	var sizes []int64
	opts := TableOptions{Chunk: Chunking{Rows: 1000, Flush: func(tb *Table) error {
		sizes = append(sizes, tb.SizeBytes())
		return nil
	}}}
	tb := NewTable([]ColumnSpec{{Name: "id", Kind: KindInt64}, {Name: "s", Kind: KindString}}, opts)
	for p := 0; p < 200; p++ {
		if err := fill(t, tb, p*100, 100, 32); err != nil {
			t.Fatal(err)
		}
	}
	if len(sizes) != 20 {
		t.Fatalf("%d chunks, want 20", len(sizes))
	}
	for i, s := range sizes[1:] {
		if s > 2*sizes[0] {
			t.Fatalf("chunk %d holds %d bytes, the first %d: memory grows with the result", i+2, s, sizes[0])
		}
	}
}
