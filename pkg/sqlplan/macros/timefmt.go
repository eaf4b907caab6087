package macros

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// formatGlobal formats $__from / $__to (t) for a Grafana variable format:
// "" and "raw" give epoch milliseconds; "date" and "date:iso" give ISO 8601
// in UTC with milliseconds; "date:seconds" epoch seconds; "date:<moment
// format>" formats t in the request time zone with moment.js tokens
// (YYYY-MM-DD HH:mm:ss and friends).
func formatGlobal(t time.Time, format string, loc *time.Location) (string, error) {
	switch format {
	case "", "raw", "text":
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	case "date", "date:iso":
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	case "date:seconds":
		return strconv.FormatInt(t.Unix(), 10), nil
	}
	if f, ok := strings.CutPrefix(format, "date:"); ok && f != "" {
		return momentFormat(t.In(loc), f), nil
	}
	return "", fmt.Errorf("unsupported format %q: use date, date:iso, date:seconds or date:<moment format such as YYYY-MM-DD>", format)
}

// global is formatGlobal of the range start (end when isTo), with the
// epoch texts of the formatted bounds.
func (e *Env) global(isTo bool, format string) (string, error) {
	i, t := 0, e.from
	if isTo {
		i, t = 1, e.to
	}
	switch format {
	case "", "raw", "text":
		return e.b.milli[i], nil
	case "date:seconds":
		return e.b.sec[i], nil
	}
	return formatGlobal(t, format, e.loc)
}

var momentTokens = []string{
	"YYYY", "YY", "Q", "MMMM", "MMM", "MM", "M", "DDDD", "DDD", "DD", "Do", "D", "dddd", "ddd", "d",
	"HH", "H", "hh", "h", "mm", "m", "ss", "s", "SSS", "SS", "S", "A", "a", "ZZ", "Z", "X", "x", "E", "WW", "W",
}

// momentFormat formats t with moment.js format tokens; text in [brackets]
// is literal, other characters are copied.
func momentFormat(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); {
		if f[i] == '[' {
			if j := strings.IndexByte(f[i:], ']'); j > 0 {
				b.WriteString(f[i+1 : i+j])
				i += j + 1
				continue
			}
		}
		tok := ""
		for _, m := range momentTokens {
			if strings.HasPrefix(f[i:], m) {
				tok = m
				break
			}
		}
		if tok == "" {
			b.WriteByte(f[i])
			i++
			continue
		}
		b.WriteString(momentToken(t, tok))
		i += len(tok)
	}
	return b.String()
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

func momentToken(t time.Time, tok string) string {
	switch tok {
	case "YYYY":
		return pad(t.Year(), 4)
	case "YY":
		return pad(t.Year()%100, 2)
	case "Q":
		return strconv.Itoa((int(t.Month())-1)/3 + 1)
	case "MMMM":
		return t.Month().String()
	case "MMM":
		return t.Month().String()[:3]
	case "MM":
		return pad(int(t.Month()), 2)
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "DDDD":
		return pad(t.YearDay(), 3)
	case "DDD":
		return strconv.Itoa(t.YearDay())
	case "DD":
		return pad(t.Day(), 2)
	case "Do":
		return ordinal(t.Day())
	case "D":
		return strconv.Itoa(t.Day())
	case "dddd":
		return t.Weekday().String()
	case "ddd":
		return t.Weekday().String()[:3]
	case "d":
		return strconv.Itoa(int(t.Weekday()))
	case "E":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return strconv.Itoa(wd)
	case "WW", "W":
		_, w := t.ISOWeek()
		if tok == "WW" {
			return pad(w, 2)
		}
		return strconv.Itoa(w)
	case "HH":
		return pad(t.Hour(), 2)
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh", "h":
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		if tok == "hh" {
			return pad(h, 2)
		}
		return strconv.Itoa(h)
	case "mm":
		return pad(t.Minute(), 2)
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return pad(t.Second(), 2)
	case "s":
		return strconv.Itoa(t.Second())
	case "SSS":
		return pad(t.Nanosecond()/1e6, 3)
	case "SS":
		return pad(t.Nanosecond()/1e7, 2)
	case "S":
		return strconv.Itoa(t.Nanosecond() / 1e8)
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "ZZ":
		return t.Format("-0700")
	case "Z":
		return t.Format("-07:00")
	case "X":
		return strconv.FormatInt(t.Unix(), 10)
	case "x":
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return tok
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}
