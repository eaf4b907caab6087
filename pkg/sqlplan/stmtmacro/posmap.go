package stmtmacro

import (
	"sort"
	"strings"
)

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// posMap maps offsets of a pass's output back to its input. Each entry is an
// edit with the offset of its replacement text in the output.
type posMap struct {
	edits []mappedEdit
}

type mappedEdit struct {
	start, end int // in the input
	newStart   int // in the output
	newLen     int
}

// orig maps an output offset to an input offset.
func (m posMap) orig(off int) int {
	delta := 0 // input - output, before the current edit
	for _, e := range m.edits {
		if off < e.newStart {
			break
		}
		if off < e.newStart+e.newLen {
			return e.start
		}
		delta = e.end - (e.newStart + e.newLen)
	}
	return off + delta
}

// apply applies non-overlapping edits to src and returns the text and its
// position map.
func apply(src string, edits []edit) (string, posMap) {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	b.Grow(len(src))
	var m posMap
	last := 0
	for _, e := range edits {
		b.WriteString(src[last:e.start])
		m.edits = append(m.edits, mappedEdit{start: e.start, end: e.end, newStart: b.Len(), newLen: len(e.text)})
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(src[last:])
	return b.String(), m
}
