package shared

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Warner is the part of a structured logger (the SDK's log.Logger) that
// RouteClientLogs needs.
type Warner interface {
	Warn(msg string, args ...any)
}

// RouteClientLogs sends the go-redis client's own messages (pool and
// reconnection notices, which it otherwise prints to the process's stderr,
// where Grafana records them as unstructured plugin output) to l as
// warnings. go-redis keeps one logger per process, so the plugin's main
// calls this once, before any client exists. The messages name the Redis
// address, never the password (go-redis does not print it).
func RouteClientLogs(l Warner) {
	if l == nil {
		return
	}
	redis.SetLogger(clientLog{l})
}

type clientLog struct{ l Warner }

func (c clientLog) Printf(_ context.Context, format string, v ...any) {
	c.l.Warn("redis client", "message", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
