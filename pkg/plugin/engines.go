package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/bigquery"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/engine/duckdb"
	"github.com/bigtent/quarry/pkg/engine/postgres"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// SettingsError is an invalid data source configuration: the instance cannot
// be created until the user fixes it.
type SettingsError struct{ Err error }

func (e *SettingsError) Error() string { return e.Err.Error() }
func (e *SettingsError) Unwrap() error { return e.Err }

// OpenEngine decodes the engine's own settings from cfg.EngineJSON and
// cfg.Secrets, validates them and opens the engine.
func OpenEngine(ctx context.Context, cfg Config) (engine.Engine, error) {
	open, err := prepareEngine(cfg)
	if err != nil {
		return nil, err
	}
	return open(ctx)
}

// ValidateEngine checks the engine's settings without connecting.
func ValidateEngine(cfg Config) error {
	_, err := prepareEngine(cfg)
	return err
}

// opener opens a validated engine.
type opener func(ctx context.Context) (engine.Engine, error)

// prepareEngine decodes and validates the engine's settings and returns
// how to open it.
func prepareEngine(cfg Config) (opener, error) {
	switch cfg.Engine {
	case "bigquery":
		var s bigquery.Settings
		if err := decodeEngineSettings(cfg, &s, nil); err != nil {
			return nil, err
		}
		s.ServiceAccountKey = cfg.Secrets["serviceAccountKey"]
		if err := s.Validate(); err != nil {
			return nil, &SettingsError{Err: err}
		}
		if s.QueryTimeout == 0 {
			s.QueryTimeout = bigquery.Duration(cfg.QueryTimeout)
		}
		return func(ctx context.Context) (engine.Engine, error) { return bigquery.New(ctx, s) }, nil
	case "postgres":
		var (
			s   postgres.Settings
			sec postgres.Secrets
		)
		if err := decodeEngineSettings(cfg, &s, &sec); err != nil {
			return nil, err
		}
		if err := s.Validate(sec); err != nil {
			return nil, &SettingsError{Err: err}
		}
		// The data source's queryTimeout is what every query passes; as the
		// engine's own (every engine's: its estimates use it) it also sets
		// the connections' default statement_timeout, which then spares
		// each query its SET LOCAL.
		if s.QueryTimeout == 0 {
			s.QueryTimeout = postgres.Duration(cfg.QueryTimeout)
		}
		return func(ctx context.Context) (engine.Engine, error) { return postgres.Open(ctx, s, sec) }, nil
	case "clickhouse":
		var (
			s   clickhouse.Settings
			sec clickhouse.Secrets
		)
		if err := decodeEngineSettings(cfg, &s, &sec); err != nil {
			return nil, err
		}
		if err := s.Validate(sec); err != nil {
			return nil, &SettingsError{Err: err}
		}
		if s.QueryTimeout == 0 {
			s.QueryTimeout = clickhouse.Duration(cfg.QueryTimeout)
		}
		return func(ctx context.Context) (engine.Engine, error) { return clickhouse.Open(ctx, s, sec) }, nil
	case "duckdb":
		var s duckdb.Settings
		if err := decodeEngineSettings(cfg, &s, nil); err != nil {
			return nil, err
		}
		if err := s.Validate(); err != nil {
			return nil, &SettingsError{Err: err}
		}
		if s.QueryTimeout == 0 {
			s.QueryTimeout = duckdb.Duration(cfg.QueryTimeout)
		}
		return func(ctx context.Context) (engine.Engine, error) { return duckdb.New(ctx, s) }, nil
	default:
		return nil, &SettingsError{Err: fmt.Errorf("settings: engine %q is not available in this build", cfg.Engine)}
	}
}

// decodeEngineSettings decodes the engine's jsonData into settings and, when
// secrets is not nil, secureJsonData into secrets (typed structs, no
// hand-written type switches). Secret decoding errors never quote values.
func decodeEngineSettings(cfg Config, settings, secrets any) error {
	if err := decodeObject(cfg.EngineJSON, settings); err != nil {
		return &SettingsError{Err: fmt.Errorf("settings (%s): %w", cfg.Engine, err)}
	}
	if secrets == nil {
		return nil
	}
	raw, err := json.Marshal(cfg.Secrets)
	if err == nil {
		err = json.Unmarshal(raw, secrets)
	}
	if err != nil {
		return &SettingsError{Err: fmt.Errorf("secure settings (%s) could not be decoded", cfg.Engine)}
	}
	return nil
}

// closedEngine stands in for an engine that could not be opened; every call
// fails with errNotOpen.
type closedEngine struct{}

var errNotOpen = errors.New("the data source's engine is not connected; see its health check")

func (closedEngine) Dialect() sqlplan.Dialect                      { return "" }
func (closedEngine) ServerVersion(context.Context) (string, error) { return "", errNotOpen }
func (closedEngine) Health(context.Context) engine.Health {
	return engine.Health{Message: errNotOpen.Error()}
}
func (closedEngine) Datasets(context.Context) ([]string, error)       { return nil, errNotOpen }
func (closedEngine) Tables(context.Context, string) ([]string, error) { return nil, errNotOpen }
func (closedEngine) Close() error                                     { return nil }
func (closedEngine) Estimate(context.Context, *sqlplan.Plan) (engine.Cost, error) {
	return engine.Cost{}, errNotOpen
}
func (closedEngine) Query(context.Context, *sqlplan.Plan, engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	return nil, engine.QueryStats{}, errNotOpen
}
func (closedEngine) Columns(context.Context, string, string) (catalog.Table, error) {
	return catalog.Table{}, errNotOpen
}
