//go:build mage

// Magefile builds the Quarry backend. Run it without a global mage install:
// `go tool mage -v build:linux` (mage is a tool dependency in go.mod).
//
// The build targets are the plugin SDK's, with one difference: the go build
// command gets the duckdb_arrow tag besides the SDK's arrow_json_stdlib, so
// the embedded DuckDB's results are read through its Arrow interface
// (pkg/engine/duckdb/arrow.go). The SDK's targets take no extra tags (it
// passes -tags itself, which overrides GOFLAGS), so build:* here runs the
// same command as the SDK's build:* with the tag added; the SDK's own
// targets stay available under sdk: (sdk:build:linux builds without the
// tag, reading DuckDB results row by row).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	// mage:import sdk
	sdkbuild "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/grafana/grafana-plugin-sdk-go/build/buildinfo"
)

func init() {
	// For the SDK's own targets (sdk:...): plugin.json lives at the top
	// level, not in src/, and only the host build has cgo.
	_ = sdkbuild.SetBeforeBuildCallback(func(cfg sdkbuild.Config) (sdkbuild.Config, error) {
		cfg.PluginJSONPath = "."
		cfg.EnableCGo = cfg.OS == runtime.GOOS && cfg.Arch == runtime.GOARCH
		return cfg, nil
	})
}

// buildTags are the go build tags of every plugin build.
const buildTags = "arrow_json_stdlib,duckdb_arrow"

// Default builds the backend for the host platform (dist/gpx_quarry_<os>_<arch>).
var Default = Build.Backend

// Build is a namespace.
type Build mg.Namespace

// Linux builds the back-end plugin for Linux (amd64).
func (Build) Linux() error { return buildBackend("linux", "amd64") }

// LinuxARM builds the back-end plugin for Linux on ARM.
func (Build) LinuxARM() error { return buildBackend("linux", "arm") }

// LinuxARM64 builds the back-end plugin for Linux on ARM64.
func (Build) LinuxARM64() error { return buildBackend("linux", "arm64") }

// Windows builds the back-end plugin for Windows.
func (Build) Windows() error { return buildBackend("windows", "amd64") }

// Darwin builds the back-end plugin for macOS on AMD64.
func (Build) Darwin() error { return buildBackend("darwin", "amd64") }

// DarwinARM64 builds the back-end plugin for macOS on ARM64.
func (Build) DarwinARM64() error { return buildBackend("darwin", "arm64") }

// Custom builds the back-end plugin for the given os and arch.
func (Build) Custom(os, arch string) error { return buildBackend(os, arch) }

// Backend builds the back-end plugin for the host platform.
func (Build) Backend() error { return buildBackend(runtime.GOOS, runtime.GOARCH) }

// BuildAll builds the back-end plugin for every platform the SDK builds.
func BuildAll() { //revive:disable-line
	b := Build{}
	mg.Deps(b.Linux, b.Windows, b.Darwin, b.DarwinARM64, b.LinuxARM64, b.LinuxARM)
}

// buildBackend runs the SDK's backend build command (same output name,
// linker flags and build info) with buildTags. DuckDB is embedded through
// cgo, so the build for the host platform enables cgo; cross builds are
// pure Go and report DuckDB as unavailable.
func buildBackend(goos, goarch string) error {
	var plugin struct {
		ID         string `json:"id"`
		Executable string `json:"executable"`
	}
	if err := readJSON("plugin.json", &plugin); err != nil {
		return err
	}
	if plugin.Executable == "" {
		return fmt.Errorf("plugin.json: no executable")
	}
	var pkg struct {
		Version string `json:"version"`
	}
	_ = readJSON("package.json", &pkg)

	cgo := goos == runtime.GOOS && goarch == runtime.GOARCH
	env := map[string]string{"GOOS": goos, "GOARCH": goarch}
	ldFlags := "-w -s"
	switch {
	case !cgo:
		env["CGO_ENABLED"] = "0"
		ldFlags += ` -extldflags "-static"`
	case goos == "linux":
		// DuckDB's bindings link with -rdynamic, exporting every C++
		// symbol of DuckDB to the dynamic loader (for loadable extensions,
		// which the plugin refuses): not exporting them saves ~5 MB of
		// resident memory at start.
		ldFlags += ` -extldflags "-Wl,--no-export-dynamic"`
	}
	flags := map[string]string{}
	buildinfo.Info{Time: time.Now().UnixMilli(), PluginID: plugin.ID, Version: pkg.Version}.AppendFlags(flags)
	keys := make([]string, 0, len(flags))
	for k := range flags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ldFlags += fmt.Sprintf(" -X '%s=%s'", k, flags[k])
	}
	exe := fmt.Sprintf("%s_%s_%s", plugin.Executable, goos, goarch)
	if goos == "windows" {
		exe += ".exe"
	}
	return sh.RunWithV(env, "go", "build", "-o", filepath.Join("dist", exe), "-tags", buildTags, "-ldflags", ldFlags, "./pkg")
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
