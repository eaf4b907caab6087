//go:build mage

// Magefile builds the Quarry backend with the plugin SDK's mage targets.
// Run it without a global mage install: `go tool mage -v build:linux`
// (mage is a tool dependency in go.mod).
package main

import (
	"runtime"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

func init() {
	// plugin.json lives at the top level, not in src/. DuckDB is embedded
	// through cgo, so the build for the host platform links it; cross builds
	// for other platforms are pure Go and report DuckDB as unavailable.
	_ = build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.PluginJSONPath = "."
		cfg.EnableCGo = cfg.OS == runtime.GOOS && cfg.Arch == runtime.GOARCH
		return cfg, nil
	})
}

// Default builds the backend for the host platform (dist/gpx_quarry_<os>_<arch>).
var Default = build.Build{}.Backend
