// Command gpx_benchpeer serves pkg/benchpeer over Grafana's plugin protocol,
// with the database/sql drivers of PostgreSQL (pgx), ClickHouse
// (clickhouse-go v2) and DuckDB linked in.
package main

import (
	"os"

	_ "github.com/ClickHouse/clickhouse-go/v2" // database/sql driver "clickhouse"
	_ "github.com/duckdb/duckdb-go/v2"         // database/sql driver "duckdb"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/bigtent/quarry/pkg/benchpeer"
)

func main() {
	if err := datasource.Manage(benchpeer.PluginID, benchpeer.New, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("serving the bench peer", "error", err.Error())
		os.Exit(1)
	}
}
