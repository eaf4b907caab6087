package macros

import (
	"strings"
	"testing"
	"time"
)

func TestParseInterval(t *testing.T) {
	for _, tc := range []struct {
		in     string
		fixed  time.Duration
		months int
		weeks  int
	}{
		{"5m", 5 * time.Minute, 0, 0},
		{"'5m'", 5 * time.Minute, 0, 0},
		{`"1h"`, time.Hour, 0, 0},
		{"1h30m", 90 * time.Minute, 0, 0},
		{"500ms", 500 * time.Millisecond, 0, 0},
		{"0.5s", 500 * time.Millisecond, 0, 0},
		{"1.5h", 90 * time.Minute, 0, 0},
		{"300", 300 * time.Second, 0, 0},
		{"1d", 24 * time.Hour, 0, 0},
		{"2w", 14 * 24 * time.Hour, 0, 2},
		{"1w1d", 8 * 24 * time.Hour, 0, 0},
		{"1M", 0, 1, 0},
		{"3M", 0, 3, 0},
		{"1y", 0, 12, 0},
		{" '2y' ", 0, 24, 0},
	} {
		iv, err := ParseInterval(tc.in)
		if err != nil {
			t.Errorf("ParseInterval(%q): %v", tc.in, err)
			continue
		}
		if iv.Fixed != tc.fixed || iv.Months != tc.months || iv.Weeks != tc.weeks {
			t.Errorf("ParseInterval(%q) = %+v, want fixed %v months %d weeks %d", tc.in, iv, tc.fixed, tc.months, tc.weeks)
		}
	}
	for in, want := range map[string]string{
		"": "empty", "0s": "positive", "0": "positive", "5x": "unknown unit", "1.5M": "whole positive count",
		"0.5ms": "shorter than 1ms", "m": "expected a number", "5": "", "-1m": "expected a number", "200y": "",
		"1500ms1us": "whole number of milliseconds", "101w": "", "40000d": "longer than 100 years",
	} {
		_, err := ParseInterval(in)
		if want == "" {
			if err != nil {
				t.Errorf("ParseInterval(%q): %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseInterval(%q) error = %v, want it to mention %q", in, err, want)
		}
	}
}

func TestFormatInterval(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "500ms", 90 * time.Second: "1m", time.Hour: "1h", 36 * time.Hour: "1d",
		400 * 24 * time.Hour: "1y", 0: "1ms", 20 * time.Second: "20s",
	} {
		if got := FormatInterval(d); got != want {
			t.Errorf("FormatInterval(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestMomentFormat(t *testing.T) {
	tm := time.Date(2024, 3, 5, 14, 7, 9, 45_000_000, time.UTC)
	for f, want := range map[string]string{
		"YYYY-MM-DD":           "2024-03-05",
		"YY/M/D H:m:s":         "24/3/5 14:7:9",
		"HH:mm:ss.SSS":         "14:07:09.045",
		"hh A, h a":            "02 PM, 2 pm",
		"[Q]Q MMM MMMM":        "Q1 Mar March",
		"ddd dddd d E Do":      "Tue Tuesday 2 2 5th",
		"X x":                  "1709647629 1709647629045",
		"DDDD W Z ZZ":          "065 10 +00:00 +0000",
		"YYYY-MM-DDTHH:mm:ssZ": "2024-03-05T14:07:09+00:00",
	} {
		if got := momentFormat(tm, f); got != want {
			t.Errorf("momentFormat(%q) = %q, want %q", f, got, want)
		}
	}
	if _, err := formatGlobal(tm, "date:", time.UTC); err == nil {
		t.Error("formatGlobal(date:) want an error")
	}
}

func TestNewEnvErrors(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	for _, c := range []Config{
		{Dialect: "mysql", From: from, To: to},
		{Dialect: "postgres"},
		{Dialect: "postgres", From: to, To: from},
		{Dialect: "postgres", From: from, To: to, Timezone: "Mars/Olympus"},
		{Dialect: "clickhouse", ServerVersion: "latest", From: from, To: to},
		{Dialect: "postgres", From: from, To: to, IntervalMs: -5},
	} {
		if _, err := NewEnv(c); err == nil {
			t.Errorf("NewEnv(%+v): want an error", c)
		}
	}
	env, err := NewEnv(Config{Dialect: "postgres", From: from, To: to, MaxDataPoints: 60, Timezone: "browser"})
	if err != nil {
		t.Fatal(err)
	}
	if env.Interval() != time.Minute || env.Location() != time.UTC {
		t.Errorf("derived interval %v, zone %v; want 1m, UTC", env.Interval(), env.Location())
	}
}

func TestExpandDirect(t *testing.T) {
	env, err := NewEnv(Config{Dialect: "clickhouse", From: goldenFrom, To: goldenTo, IntervalMs: 20000})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := Expand(env, Call{Name: "$__timeInterval", Parens: true, Args: []Arg{{Text: "ts", Start: 16, End: 18}}})
	if err != nil || exp.SQL != "toStartOfInterval(toDateTime(ts), INTERVAL 20 second)" {
		t.Errorf("Expand timeInterval = %q, %v", exp.SQL, err)
	}
	exp, err = Expand(env, Call{Name: "adHocFilters"})
	if err != nil || !exp.AdHoc || exp.SQL != "" {
		t.Errorf("Expand adHocFilters = %+v, %v", exp, err)
	}
	_, err = Expand(env, Call{Name: "timeGroup", Start: 3, Parens: true, Args: []Arg{{Text: "ts", Start: 15}, {Text: "5q", Start: 19}}})
	e, ok := AsError(err)
	if !ok || e.Offset != 19 || e.Arg != 2 || e.Macro != "$__timeGroup" {
		t.Errorf("bad interval error = %#v", err)
	}
	if !Known("$__dt") || Known("$__nope") {
		t.Error("Known")
	}
}
