package postgres_test

import (
	"encoding/json"
	"fmt"
	"time"
)

func fmtValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}

func boolStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
