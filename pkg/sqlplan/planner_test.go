package sqlplan_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// reuseRequests are the corpus requests plus failing ones, so that a
// reused Planner goes from errors to plans and back.
func reuseRequests(t *testing.T) []sqlplan.Request {
	t.Helper()
	var reqs []sqlplan.Request
	for i, q := range loadCorpus(t) {
		reqs = append(reqs, q.Request)
		if i%40 == 0 {
			bad := q.Request
			for _, sql := range []string{
				"SELECT 'unterminated FROM t",
				"SELECT (1 + 2 FROM t",
				"SELECT $__timeGroup(ts) FROM t",
				"SELECT 1; DROP TABLE t",
				"DELETE FROM t",
			} {
				bad.RawSQL = sql
				reqs = append(reqs, bad)
			}
		}
	}
	return reqs
}

type outcome struct {
	plan *sqlplan.Plan
	err  string
}

func planOnce(p func(context.Context, sqlplan.Request) (*sqlplan.Plan, error), req sqlplan.Request) outcome {
	plan, err := p(context.Background(), req)
	if err != nil {
		return outcome{err: fmt.Sprintf("%#v", err)}
	}
	return outcome{plan: plan}
}

// buildAll plans every request with the package-level Build: the outcomes
// a Planner must reproduce.
func buildAll(reqs []sqlplan.Request) []outcome {
	out := make([]outcome, len(reqs))
	for i, r := range reqs {
		out[i] = planOnce(sqlplan.Build, r)
	}
	return out
}

// TestPlannerReuseMatchesBuild: a Planner reused over the corpus, forwards
// and backwards, gives exactly what a fresh Build gives, so no state leaks
// from one request into the next.
func TestPlannerReuseMatchesBuild(t *testing.T) {
	reqs := reuseRequests(t)
	want := buildAll(reqs)
	var p sqlplan.Planner
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	for pass := range 2 {
		if pass == 1 {
			slices.Reverse(order)
		}
		for _, i := range order {
			if got := planOnce(p.Build, reqs[i]); !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("pass %d, request %d (%.60q): the reused Planner differs from Build\n got %+v\nwant %+v",
					pass, i, reqs[i].RawSQL, got, want[i])
			}
		}
	}
}

// TestPlannerConcurrent: one Planner shared by several goroutines (as a
// data source instance is) plans every request as Build does.
func TestPlannerConcurrent(t *testing.T) {
	reqs := reuseRequests(t)
	want := buildAll(reqs)
	var p sqlplan.Planner
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range reqs {
				i := (k*7 + g*13) % len(reqs)
				if got := planOnce(p.Build, reqs[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("goroutine %d, request %d: differs from Build", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
