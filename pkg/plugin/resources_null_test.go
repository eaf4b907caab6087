package plugin

import (
	"errors"
	"net/http"
	"testing"
)

// A /plan or /estimate body of JSON null is a 400, not a panic (found by
// the hostile corpus, testdata/hostile/resources.jsonl).
func TestDecodePlanRequestNullBody(t *testing.T) {
	for _, body := range []string{"null", " null ", "[]", `"x"`, "1"} {
		_, err := decodePlanRequest(http.MethodPost, []byte(body), "duckdb")
		var he *httpError
		if !errors.As(err, &he) || he.status != http.StatusBadRequest {
			t.Errorf("body %s: err = %v, want a 400", body, err)
		}
	}
}
