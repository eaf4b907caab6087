// Package edit applies byte-offset edits to SQL text: the planner's final
// SQL is the user's text with precise edits, never a re-printed tree.
//
// A Buffer collects (start, end, replacement) edits against the original
// text, validates them (inside the text, no overlaps) and applies them once.
// Insertions (start == end) at the same offset keep the order in which they
// were added and come before a replacement starting at that offset.
// Everything not edited is byte-for-byte identical: comments, spacing, case.
package edit

import (
	"fmt"
	"slices"
	"strings"
)

// Edit replaces src[Start:End] with Text. Start == End is an insertion.
// Its fields match pushdown.Edit and macros.Edit's first fields, so callers
// convert with a struct literal.
type Edit struct {
	Start, End int
	Text       string
}

// ConflictError reports two edits that overlap, or an edit outside the text.
type ConflictError struct {
	A, B Edit // B is the zero Edit for an out-of-range edit
	Len  int  // the length of the text
}

func (e *ConflictError) Error() string {
	if e.B == (Edit{}) {
		return fmt.Sprintf("edit [%d,%d) is outside the %d-byte text", e.A.Start, e.A.End, e.Len)
	}
	return fmt.Sprintf("edits [%d,%d) and [%d,%d) overlap", e.A.Start, e.A.End, e.B.Start, e.B.End)
}

// Buffer collects edits against one source text.
type Buffer struct {
	src   string
	edits []Edit
	// seq records the insertion order, for a stable sort.
	seq []int
}

// New returns a buffer for src.
func New(src string) *Buffer { return &Buffer{src: src} }

// Src returns the original text.
func (b *Buffer) Src() string { return b.src }

// Len returns the number of edits.
func (b *Buffer) Len() int { return len(b.edits) }

// Edits returns the edits sorted in application order (a copy).
func (b *Buffer) Edits() []Edit {
	out := slices.Clone(b.edits)
	sortEdits(out)
	return out
}

// Add validates e against the text and the edits already added and records
// it. A conflicting edit is not recorded; the error is a *ConflictError.
func (b *Buffer) Add(e Edit) error {
	if e.Start < 0 || e.End < e.Start || e.End > len(b.src) {
		return &ConflictError{A: e, Len: len(b.src)}
	}
	for _, o := range b.edits {
		if overlaps(o, e) {
			return &ConflictError{A: o, B: e, Len: len(b.src)}
		}
	}
	b.edits = append(b.edits, e)
	return nil
}

// Replace replaces src[start:end] with text.
func (b *Buffer) Replace(start, end int, text string) error {
	return b.Add(Edit{Start: start, End: end, Text: text})
}

// Insert inserts text at offset at.
func (b *Buffer) Insert(at int, text string) error {
	return b.Add(Edit{Start: at, End: at, Text: text})
}

// Delete removes src[start:end].
func (b *Buffer) Delete(start, end int) error {
	return b.Add(Edit{Start: start, End: end})
}

// String applies the edits and returns the final text. The edits were
// validated when added, so this cannot fail.
func (b *Buffer) String() string {
	s, _ := Apply(b.src, b.edits)
	return s
}

// overlaps reports whether two edits conflict: two replacements sharing a
// byte, or an insertion strictly inside a replaced range.
func overlaps(a, b Edit) bool {
	aIns, bIns := a.Start == a.End, b.Start == b.End
	switch {
	case aIns && bIns:
		return false
	case aIns:
		return b.Start < a.Start && a.Start < b.End
	case bIns:
		return a.Start < b.Start && b.Start < a.End
	}
	return a.Start < b.End && b.Start < a.End
}

// Sort orders edits in place as Apply applies them, so that Apply need not
// copy a slice its caller owns.
func Sort(edits []Edit) { sortEdits(edits) }

// sortEdits orders edits by Start; at the same Start, insertions (in their
// original order) come before a replacement.
func sortEdits(edits []Edit) {
	slices.SortStableFunc(edits, func(a, b Edit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		ai, bi := a.Start == a.End, b.Start == b.End
		switch {
		case ai && !bi:
			return -1
		case !ai && bi:
			return 1
		}
		return 0
	})
}

// Apply applies edits to src at once and returns the result. It validates
// the edits (in range, no overlaps) and returns a *ConflictError otherwise.
// The edits slice is not modified.
func Apply(src string, edits []Edit) (string, error) {
	if len(edits) == 0 {
		return src, nil
	}
	sorted := edits
	if !slices.IsSortedFunc(edits, func(a, b Edit) int { return a.Start - b.Start }) || hasSameStart(edits) {
		sorted = slices.Clone(edits)
		sortEdits(sorted)
	}
	size := len(src)
	for _, e := range sorted {
		if e.Start < 0 || e.End < e.Start || e.End > len(src) {
			return "", &ConflictError{A: e, Len: len(src)}
		}
		size += len(e.Text) - (e.End - e.Start)
	}
	var b strings.Builder
	b.Grow(size)
	pos := 0
	var prev Edit
	for i, e := range sorted {
		if e.Start < pos {
			return "", &ConflictError{A: prev, B: e, Len: len(src)}
		}
		if i > 0 && e.Start == e.End && prev.Start < e.Start && e.Start < prev.End {
			return "", &ConflictError{A: prev, B: e, Len: len(src)}
		}
		b.WriteString(src[pos:e.Start])
		b.WriteString(e.Text)
		pos = e.End
		prev = e
	}
	b.WriteString(src[pos:])
	return b.String(), nil
}

// hasSameStart reports whether two adjacent edits share a Start with a
// replacement before an insertion (which must be reordered).
func hasSameStart(edits []Edit) bool {
	for i := 1; i < len(edits); i++ {
		a, b := edits[i-1], edits[i]
		if a.Start == b.Start && a.Start != a.End && b.Start == b.End {
			return true
		}
	}
	return false
}
