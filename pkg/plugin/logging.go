package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

// LogLevelEnv sets the level of the plugin process's logger: debug, info
// (the default), warn or error. Grafana hands every key of the plugin's own
// section of its configuration to the plugin process as GF_PLUGIN_<KEY>
// (as it does for profiling_enabled), so
//
//	[plugin.bigtent-quarry-datasource]
//	log_level = debug
//
// sets it. The plugin cannot learn Grafana's own level: the SDK's logger
// (v0.298) is created at debug whatever Grafana's configuration says, and
// Grafana drops the lines below its level only after the plugin has
// serialised them as JSON on stderr and Grafana has parsed them. At the
// default (Grafana's own default level, info) the debug lines, such as the
// SDK's "Plugin Request Started" and Quarry's "query done" with the SQL,
// are neither built nor written; every line at info and above is kept.
const LogLevelEnv = "GF_PLUGIN_LOG_LEVEL"

// DefaultLogLevel is the level when LogLevelEnv is unset or empty.
const DefaultLogLevel = log.Info

// ParseLogLevel reads a LogLevelEnv value ("" is DefaultLogLevel).
func ParseLogLevel(s string) (log.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return DefaultLogLevel, nil
	case "trace", "debug":
		return log.Debug, nil
	case "info":
		return log.Info, nil
	case "warn", "warning":
		return log.Warn, nil
	case "error":
		return log.Error, nil
	}
	return DefaultLogLevel, fmt.Errorf("%s=%q is not one of debug, info, warn, error", LogLevelEnv, s)
}

// ConfigureLogging sets the SDK's process-wide loggers (log.DefaultLogger
// and backend.Logger, which the SDK's middlewares use): the SDK's JSON
// lines, at the level LogLevelEnv (read with getenv) gives, written to out
// (the process's stderr, which Grafana reads) in batches (lineWriter). Call
// it first in main, before anything keeps a reference to them, and call
// flush before the process exits. An invalid level leaves the default and
// is reported as a warning.
func ConfigureLogging(getenv func(string) string, out io.Writer) (level log.Level, flush func() error) {
	level, err := ParseLogLevel(getenv(LogLevelEnv))
	w := newLineWriter(out, flushDelay)
	l := newLogger(level, w)
	log.DefaultLogger = l
	backend.Logger = l
	if err != nil {
		l.Warn("invalid plugin log level; using the default", "error", err.Error(), "level", levelName(level))
	}
	return level, w.Flush
}

// debugEnabled reports whether l writes debug lines. The SDK's hclog
// wrapper (and hcLogger) reports Debug for a trace or debug logger, and
// NoLevel for a null logger.
func debugEnabled(l log.Logger) bool {
	lv := l.Level()
	return lv == log.Debug || lv == log.Trace
}

func levelName(l log.Level) string {
	switch l {
	case log.Trace:
		return "trace"
	case log.Debug:
		return "debug"
	case log.Info:
		return "info"
	case log.Warn:
		return "warn"
	case log.Error:
		return "error"
	}
	return "none"
}
