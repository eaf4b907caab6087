package macros

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Interval is a parsed Grafana duration: either a fixed length (Fixed > 0)
// or a number of calendar months (Months > 0; years are 12 months).
type Interval struct {
	// Fixed is the length of a fixed interval.
	Fixed time.Duration
	// Months is the number of calendar months of a calendar interval.
	Months int
	// Weeks is the number of weeks when the interval was written in weeks
	// only ("1w", "2w"): weeks are calendar weeks starting on Monday.
	Weeks int
	// Text is the interval as written (without quotes).
	Text string
}

// IsCalendar reports whether the interval is calendar-aligned: months,
// years or weeks.
func (iv Interval) IsCalendar() bool { return iv.Months > 0 || iv.Weeks > 0 }

// Days returns the number of whole days of a fixed interval that is a whole
// number of days, else 0.
func (iv Interval) Days() int {
	const day = 24 * time.Hour
	if iv.Fixed > 0 && iv.Fixed%day == 0 {
		return int(iv.Fixed / day)
	}
	return 0
}

// Approx returns the interval's length, months counted as 30 days and years
// as 365 (for fill and display only).
func (iv Interval) Approx() time.Duration {
	if iv.Months > 0 {
		if iv.Months%12 == 0 {
			return time.Duration(iv.Months/12) * 365 * 24 * time.Hour
		}
		return time.Duration(iv.Months) * 30 * 24 * time.Hour
	}
	return iv.Fixed
}

// unitLengths are the fixed units, longest name first for prefix matching.
var unitLengths = []struct {
	name string
	d    time.Duration
}{
	{"ms", time.Millisecond},
	{"us", time.Microsecond},
	{"µs", time.Microsecond},
	{"ns", time.Nanosecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
	{"d", 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
}

// ParseInterval parses a Grafana duration: a number and a unit (ms s m h d
// w M y), quoted ('5m', "5m") or bare. Fixed units may be combined
// ("1h30m") and may have fractions ("0.5s", "1.5h"); months (M) and years
// (y) stand alone with a whole count ("3M", "1y"). A bare number is
// seconds. The interval must be at least 1ms.
func ParseInterval(arg string) (Interval, error) {
	s := strings.TrimSpace(arg)
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	iv := Interval{Text: s}
	if s == "" {
		return iv, fmt.Errorf("empty interval: write a duration such as '5m', '1h' or $__interval")
	}
	// Bare number: seconds. No number ParseFloat accepts ends in a fixed
	// unit's letter, so those skip it (and the error it allocates).
	if !endsInFixedUnit(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
				return iv, fmt.Errorf("interval %q must be positive", s)
			}
			iv.Fixed = time.Duration(math.Round(f * float64(time.Second)))
			return iv, checkMin(iv)
		}
	}
	if last := s[len(s)-1]; last == 'M' || last == 'y' {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 {
			return iv, fmt.Errorf("interval %q: months and years need a whole positive count, e.g. '1M', '3M', '1y'", s)
		}
		iv.Months = n
		if last == 'y' {
			iv.Months = 12 * n
		}
		return iv, nil
	}
	rest := s
	onlyWeeks := true
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return iv, fmt.Errorf("interval %q: expected a number at %q (units: ms s m h d w M y)", s, rest)
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return iv, fmt.Errorf("interval %q: bad number %q", s, rest[:i])
		}
		rest = rest[i:]
		var unit time.Duration
		for _, u := range unitLengths {
			if strings.HasPrefix(rest, u.name) {
				unit = u.d
				rest = rest[len(u.name):]
				if u.name != "w" {
					onlyWeeks = false
				}
				break
			}
		}
		if unit == 0 {
			if rest == "" {
				return iv, fmt.Errorf("interval %q: missing unit after %v (units: ms s m h d w M y)", s, num)
			}
			return iv, fmt.Errorf("interval %q: unknown unit at %q (units: ms s m h d w M y)", s, rest)
		}
		total += num * float64(unit)
	}
	if total <= 0 {
		return iv, fmt.Errorf("interval %q must be positive", s)
	}
	if total > float64(100*365*24*time.Hour) {
		return iv, fmt.Errorf("interval %q is longer than 100 years", s)
	}
	iv.Fixed = time.Duration(math.Round(total))
	if onlyWeeks && iv.Fixed%(7*24*time.Hour) == 0 {
		iv.Weeks = int(iv.Fixed / (7 * 24 * time.Hour))
	}
	return iv, checkMin(iv)
}

// endsInFixedUnit reports whether s ends in the letter of a fixed unit
// (ms s m h d w, and us ns).
func endsInFixedUnit(s string) bool {
	switch s[len(s)-1] {
	case 's', 'm', 'h', 'd', 'w':
		return true
	}
	return false
}

func checkMin(iv Interval) error {
	if iv.Fixed < time.Millisecond {
		return fmt.Errorf("interval %q is shorter than 1ms", iv.Text)
	}
	if iv.Fixed%time.Millisecond != 0 {
		return fmt.Errorf("interval %q is not a whole number of milliseconds", iv.Text)
	}
	return nil
}

// FormatInterval writes d the way Grafana writes $__interval: the largest
// unit that fits, truncated ("1m", "30s", "2h", "1d", "500ms").
func FormatInterval(d time.Duration) string {
	const day = 24 * time.Hour
	const year = 365 * day
	switch {
	case d >= year:
		return strconv.FormatInt(int64(d/year), 10) + "y"
	case d >= day:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d >= time.Second:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d >= time.Millisecond:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return "1ms"
}
