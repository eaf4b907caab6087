// Command gpx_quarry is the Quarry data source plugin's backend, started by
// Grafana over its gRPC plugin protocol.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/plugin"
)

func main() {
	// The logger's level comes from [plugin.bigtent-quarry-datasource]
	// log_level in Grafana's configuration (GF_PLUGIN_LOG_LEVEL; default
	// info): lines below it are not built at all.
	_, flush := plugin.ConfigureLogging(os.Getenv, os.Stderr)
	defer func() { _ = flush() }()
	metrics, err := plugin.NewMetrics(prometheus.DefaultRegisterer)
	if err != nil {
		log.DefaultLogger.Error("registering metrics", "error", err.Error())
		os.Exit(1)
	}
	// QueryData's frames are written as Arrow straight from their value
	// arrays (plugin.DirectArrowData) and go to the transport from those
	// bytes (plugin.FramesCodec); every other service is the SDK's.
	plugin.RegisterFramesCodec()
	// go-redis logs to stderr unless told otherwise; its messages go to the
	// plugin's logger instead.
	shared.RouteClientLogs(log.DefaultLogger)
	opts := datasource.ManageOpts{Licensing: plugin.DirectArrowData}
	if err := datasource.Manage(plugin.PluginID, plugin.NewFactory(plugin.Deps{Metrics: metrics}), opts); err != nil {
		log.DefaultLogger.Error("serving the plugin", "error", err.Error())
		os.Exit(1)
	}
}
