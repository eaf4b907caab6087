package macros_test

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
)

// reuseCase is one expansion for TestExpanderMatchesFresh.
type reuseCase struct {
	name string
	src  string
	toks []lexer.Token
	cfg  macros.Config
}

// reuseCases are the corpus queries as they are, in other time zones (more
// zones than the Expander keeps), with another range, with Config errors
// and with macro errors.
func reuseCases(t *testing.T) []reuseCase {
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo",
		"Africa/Cairo", "Asia/Tokyo", "Pacific/Auckland", "Europe/London", "America/Denver", "utc", "browser", ""}
	var out []reuseCase
	for i, c := range loadCorpusCases(t) {
		add := func(what string, cfg macros.Config) {
			out = append(out, reuseCase{name: fmt.Sprintf("%d %s", i, what), src: c.src, toks: c.toks, cfg: cfg})
		}
		add("as is", c.cfg)
		tz := c.cfg
		tz.Timezone = zones[i%len(zones)]
		add("tz "+tz.Timezone, tz)
		shifted := c.cfg
		shifted.From, shifted.To = shifted.From.Add(-90*time.Minute), shifted.To.Add(time.Second)
		shifted.Fill = []string{"", "previous", "0", "bad"}[i%4]
		add("shifted range and fill", shifted)
		later := c.cfg
		later.To = later.To.Add(time.Duration(i+1) * time.Millisecond)
		add("later end", later)
		switch i % 5 {
		case 0:
			bad := c.cfg
			bad.Timezone = "Not/AZone"
			add("unknown zone", bad)
		case 1:
			bad := c.cfg
			bad.From, bad.To = bad.To, bad.From.Add(-time.Hour)
			add("to before from", bad)
		case 2:
			bad := c.cfg
			bad.IntervalMs = -1
			add("negative interval", bad)
		case 3:
			bad := c.cfg
			bad.Dialect = "oracle"
			add("unknown dialect", bad)
		}
	}
	for _, src := range []string{
		"SELECT $__nope(x)",
		"SELECT 1 WHERE $__timeFilter(a, b)",
		"SELECT $__timeGroup(ts, 'xyz') FROM t",
		"SELECT $__timeGroup(ts, '1m', bogus) FROM t",
		"SELECT $__timeGroup(ts, '1m', previous), $__timeGroup(ts, '5m', 0) FROM t -- $__x",
		"SELECT $__timeGroup($__timeFrom(), $__interval) FROM t WHERE $__timeFilter(ts",
		"SELECT '$__timeFrom()', ${__from:date}, ${host}, $__dashboard, x$__timeFrom()y FROM t",
	} {
		toks, err := lexer.Lex(src, "postgres")
		if err != nil {
			t.Fatal(err)
		}
		for _, tz := range []string{"", "Europe/Berlin"} {
			out = append(out, reuseCase{name: src + " " + tz, src: src, toks: toks, cfg: macros.Config{
				Dialect: "postgres", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
				Timezone: tz}})
		}
	}
	return out
}

// TestExpanderMatchesFresh expands every case with one Expander, in order
// and then reversed, and checks each Env, Result and error against a fresh
// NewEnv and ExpandAll.
func TestExpanderMatchesFresh(t *testing.T) {
	cases := reuseCases(t)
	var x macros.Expander
	check := func(c reuseCase) {
		t.Helper()
		wantEnv, wantErr := macros.NewEnv(c.cfg)
		env, err := x.NewEnv(c.cfg)
		if !sameError(err, wantErr) {
			t.Fatalf("%s: NewEnv error %v, want %v", c.name, err, wantErr)
		}
		if err != nil {
			return
		}
		if !sameEnv(env, wantEnv) {
			t.Fatalf("%s: Env differs from a fresh one", c.name)
		}
		want, wantErr := macros.ExpandAll(c.src, c.toks, wantEnv)
		got, err := x.ExpandAll(c.src, c.toks, env)
		if !sameError(err, wantErr) {
			t.Fatalf("%s: ExpandAll error %v, want %v", c.name, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: ExpandAll\n got %+v\nwant %+v", c.name, got, want)
		}
		// plan.go expands time-range pushdown filters with the env later.
		call := macros.Call{Name: "timeFilter", Parens: true, Args: []macros.Arg{{Text: "ts"}}}
		gotX, err := macros.Expand(env, call)
		wantX, wantErr := macros.Expand(wantEnv, call)
		if !sameError(err, wantErr) || gotX != wantX {
			t.Fatalf("%s: Expand = %+v, %v; want %+v, %v", c.name, gotX, err, wantX, wantErr)
		}
	}
	for _, c := range cases {
		check(c)
	}
	for _, c := range slices.Backward(cases) {
		check(c)
	}
}

func sameError(err, want error) bool {
	if err == nil || want == nil {
		return err == nil && want == nil
	}
	return reflect.TypeOf(err) == reflect.TypeOf(want) && err.Error() == want.Error()
}

// sameEnv compares what Env shows and the SQL of the macros that write
// its bounds and zone.
func sameEnv(e, want *macros.Env) bool {
	gf, gt := e.Range()
	wf, wt := want.Range()
	if e.Dialect() != want.Dialect() || e.Interval() != want.Interval() || e.Location().String() != want.Location().String() ||
		!gf.In(e.Location()).Equal(wf.In(want.Location())) || gf.In(e.Location()).Format(time.RFC3339) != wf.In(want.Location()).Format(time.RFC3339) ||
		!gf.Equal(wf) || !gt.Equal(wt) {
		return false
	}
	for _, name := range []string{"timeFrom", "timeTo", "timezone", "fromTime", "toTime"} {
		c := macros.Call{Name: name}
		g, gerr := macros.Expand(e, c)
		w, werr := macros.Expand(want, c)
		if g != w || !sameError(gerr, werr) {
			return false
		}
	}
	return true
}

// TestEnvUnixTexts checks the epoch macros at times whose Unix texts are,
// and are not, leading digits of the nanosecond one.
func TestEnvUnixTexts(t *testing.T) {
	for _, from := range []time.Time{
		time.Date(2024, 3, 5, 14, 7, 9, 45_000_000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 500_000_000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 58, 700_000_000, time.UTC),
		time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		env, err := macros.NewEnv(macros.Config{Dialect: "postgres", From: from, To: from.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]int64{
			"unixEpochFrom": from.Unix(), "from": from.UnixMilli(), "unixEpochNanoFrom": from.UnixNano(),
		} {
			x, err := macros.Expand(env, macros.Call{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if x.SQL != strconv.FormatInt(want, 10) {
				t.Errorf("%s at %s = %s, want %d", name, from, x.SQL, want)
			}
		}
	}
}
