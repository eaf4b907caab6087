package plugin

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
)

// variableFrames shapes a template-variable query: columns named __text and
// __value are used when present; otherwise one column is both text and
// value, and with two columns the first is the text and the second the value.
// The frame has string fields __text and __value, one row per distinct value
// in result order.
func variableFrames(t *frames.Table, refID string) (data.Frames, error) {
	cols := t.Columns()
	textIdx, valueIdx := -1, -1
	for i, c := range cols {
		switch strings.ToLower(c.Spec().Name) {
		case "__text":
			textIdx = i
		case "__value":
			valueIdx = i
		}
	}
	switch {
	case textIdx >= 0 && valueIdx < 0:
		valueIdx = textIdx
	case valueIdx >= 0 && textIdx < 0:
		textIdx = valueIdx
	case textIdx >= 0:
	case len(cols) == 1:
		textIdx, valueIdx = 0, 0
	case len(cols) == 2:
		textIdx, valueIdx = 0, 1
	default:
		return nil, fmt.Errorf("a variable query must return one column, two columns (text, value) or columns named __text and __value; this one returns %d columns", len(cols))
	}
	textF, valueF := cols[textIdx].Field(), cols[valueIdx].Field()
	if valueIdx == textIdx {
		valueF = textF
	}
	texts := make([]string, 0, textF.Len())
	values := make([]string, 0, textF.Len())
	seen := make(map[string]bool, textF.Len())
	for i := 0; i < textF.Len(); i++ {
		tx, okT := fieldString(textF, i)
		v, okV := fieldString(valueF, i)
		if !okT && !okV {
			continue
		}
		if !okT {
			tx = v
		}
		if !okV {
			v = tx
		}
		if seen[tx+"\x00"+v] {
			continue
		}
		seen[tx+"\x00"+v] = true
		texts = append(texts, tx)
		values = append(values, v)
	}
	f := data.NewFrame(refID, data.NewField("__text", nil, texts), data.NewField("__value", nil, values))
	f.RefID = refID
	return data.Frames{f}, nil
}

// fieldString renders value i of a field as variable text; false for NULL.
func fieldString(f *data.Field, i int) (string, bool) {
	v, ok := f.ConcreteAt(i)
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	case []byte:
		return string(x), true
	default:
		return fmt.Sprint(x), true
	}
}
