package plugin

import (
	"io"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

func TestParseLogLevel(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    log.Level
		wantErr bool
	}{
		{"", log.Info, false},
		{"debug", log.Debug, false},
		{"TRACE", log.Debug, false},
		{" info ", log.Info, false},
		{"warn", log.Warn, false},
		{"warning", log.Warn, false},
		{"Error", log.Error, false},
		{"verbose", log.Info, true},
	} {
		got, err := ParseLogLevel(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v, error %t", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestConfigureLogging checks that the SDK's loggers get the level, and
// that debugEnabled follows it.
func TestConfigureLogging(t *testing.T) {
	saved, savedBackend := log.DefaultLogger, backend.Logger
	t.Cleanup(func() { log.DefaultLogger, backend.Logger = saved, savedBackend })
	for _, tc := range []struct {
		env   string
		debug bool
	}{{"", false}, {"debug", true}, {"warn", false}, {"nonsense", false}} {
		lv, _ := ConfigureLogging(func(k string) string {
			if k == LogLevelEnv {
				return tc.env
			}
			return ""
		}, io.Discard)
		if backend.Logger != log.DefaultLogger {
			t.Fatalf("%q: backend.Logger is not log.DefaultLogger", tc.env)
		}
		if got := debugEnabled(backend.Logger); got != tc.debug {
			t.Errorf("%q: debugEnabled = %t, want %t (level %v)", tc.env, got, tc.debug, lv)
		}
		if got := debugEnabled(backend.Logger.With("k", "v")); got != tc.debug {
			t.Errorf("%q: a sub-logger's debugEnabled = %t, want %t", tc.env, got, tc.debug)
		}
	}
	if debugEnabled(log.NewNullLogger()) {
		t.Error("debugEnabled(null logger) = true")
	}
}
