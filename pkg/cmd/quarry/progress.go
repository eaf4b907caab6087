package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress reports on w that work named label is still going, once a second
// after the first second. The returned func stops it (and says how long the
// work took, when it was reported at all).
func progress(w io.Writer, label string) func() {
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	reported := false
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				reported = true
				fmt.Fprintf(w, "quarry: %s… %.0fs\n", label, now.Sub(start).Seconds())
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
		if reported {
			fmt.Fprintf(w, "quarry: %s done in %.1fs\n", label, time.Since(start).Seconds())
		}
	}
}
