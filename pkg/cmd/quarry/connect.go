package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/bigtent/quarry/pkg/plugin"
)

// connFlags select and configure the engine, as a data source's settings do.
type connFlags struct {
	engine   string
	dsn      string
	settings string
	maxRows  int64
	maxBytes int64
	maxUSD   float64
	timeout  time.Duration
	verbose  bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.engine, "engine", "", "engine: duckdb (default), postgres, clickhouse or bigquery")
	fs.StringVar(&c.dsn, "dsn", "", "connection string for the engine (see quarry --help)")
	fs.StringVar(&c.settings, "settings", "", `JSON file {"jsonData": {...}, "secureJsonData": {...}}`)
	fs.Int64Var(&c.maxRows, "max-rows", 0, "row cap (default 100000)")
	fs.Int64Var(&c.maxBytes, "max-bytes", 0, "refuse queries estimated to process more bytes")
	fs.Float64Var(&c.maxUSD, "max-usd", 0, "refuse queries estimated to cost more USD")
	fs.DurationVar(&c.timeout, "timeout", 0, "query timeout (default 60s)")
	fs.BoolVar(&c.verbose, "v", false, "log plugin debug lines on stderr")
}

// config builds the data source settings from the flags.
func (c *connFlags) config() (jsonData map[string]any, secure map[string]string, err error) {
	jsonData = map[string]any{}
	secure = map[string]string{}
	if c.settings != "" {
		b, err := os.ReadFile(c.settings)
		if err != nil {
			return nil, nil, &usageError{fmt.Errorf("--settings: %w", err)}
		}
		var f struct {
			JSONData       map[string]any    `json:"jsonData"`
			SecureJSONData map[string]string `json:"secureJsonData"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, nil, &usageError{fmt.Errorf("--settings %s: %w", c.settings, err)}
		}
		for k, v := range f.JSONData {
			jsonData[k] = v
		}
		for k, v := range f.SecureJSONData {
			secure[k] = v
		}
	}
	if c.engine != "" {
		jsonData["engine"] = c.engine
	}
	if c.dsn != "" {
		eng, _ := jsonData["engine"].(string)
		j, s, err := plugin.SettingsFromDSN(eng, c.dsn)
		if err != nil {
			return nil, nil, &usageError{fmt.Errorf("--dsn: %w", err)}
		}
		for k, v := range j {
			jsonData[k] = v
		}
		for k, v := range s {
			secure[k] = v
		}
	}
	if c.maxRows > 0 {
		jsonData["maxRows"] = c.maxRows
	}
	if c.maxBytes > 0 {
		jsonData["maxBytes"] = c.maxBytes
	}
	if c.maxUSD > 0 {
		jsonData["maxUSD"] = c.maxUSD
	}
	if c.timeout > 0 {
		jsonData["queryTimeout"] = c.timeout.String()
	}
	return jsonData, secure, nil
}

// open creates the data source exactly as the plugin's instance factory does.
func (c *connFlags) open(ctx context.Context, e *env) (*plugin.Datasource, error) {
	jsonData, secure, err := c.config()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(jsonData)
	if err != nil {
		return nil, err
	}
	var logger log.Logger = log.NewWithLevel(log.Error)
	if c.verbose {
		logger = log.NewWithLevel(log.Debug)
	}
	label := "connecting"
	if eng, _ := jsonData["engine"].(string); (eng == "" || eng == "duckdb") && jsonData["path"] == nil {
		label = "loading the sample into embedded DuckDB"
	}
	done := progress(e.stderr, label)
	ds, err := plugin.New(ctx, raw, secure, plugin.Deps{Logger: logger})
	done()
	if err != nil {
		return nil, err
	}
	return ds, nil
}

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &usageError{fmt.Errorf("reading stdin: %w", err)}
	}
	return b, nil
}
