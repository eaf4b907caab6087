package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a settings duration in JSON: a Go duration string ("30s",
// "1m30s") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON accepts "30s", "1m30s", "30" or 30.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		*d = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			*d = Duration(v * float64(time.Second))
			return nil
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration (use e.g. \"30s\" or a number of seconds)", s)
		}
		*d = Duration(v)
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%s is not a duration (use e.g. \"30s\" or a number of seconds)", s)
	}
	*d = Duration(v * float64(time.Second))
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// String is the Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }
