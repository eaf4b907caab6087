package plugin

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// SettingsFromDSN turns a connection string into jsonData and
// secureJsonData, as the config editor would store them. engine may be
// empty: the DSN's scheme names it.
//
//	postgres://user:password@host:5432/database?sslmode=disable
//	clickhouse://user:password@host:9000/database
//	bigquery://project/dataset?endpoint=http://127.0.0.1:9050&location=US&credentials=/path/key.json
//	duckdb:///path/to/file.duckdb (or a plain path)
func SettingsFromDSN(engine, dsn string) (map[string]any, map[string]string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if (engine == "duckdb" || engine == "") && !strings.Contains(dsn, "://") {
			return map[string]any{"engine": "duckdb", "path": dsn}, map[string]string{}, nil
		}
		// The DSN is not quoted: it may hold a password.
		if engine == "" {
			engine = "postgres"
		}
		return nil, nil, fmt.Errorf("the DSN is not a URL such as %s://user:password@host:port/database (check the host and port)", engine)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "postgresql" {
		scheme = "postgres"
	}
	if engine == "" {
		engine = scheme
	}
	if engine != scheme {
		return nil, nil, fmt.Errorf("the DSN is for %s but --engine is %s", scheme, engine)
	}
	jsonData := map[string]any{"engine": engine}
	secure := map[string]string{}
	switch engine {
	case "postgres", "clickhouse":
		jsonData["host"] = u.Hostname()
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, nil, fmt.Errorf("port %q is not a number", p)
			}
			jsonData["port"] = n
		}
		if db := strings.Trim(u.Path, "/"); db != "" {
			jsonData["database"] = db
		}
		if u.User != nil {
			jsonData["user"] = u.User.Username()
			if pw, ok := u.User.Password(); ok {
				secure["password"] = pw
			}
		}
		for k, v := range u.Query() {
			jsonData[k] = v[0]
		}
	case "bigquery":
		jsonData["defaultProject"] = u.Host
		if ds := strings.Trim(u.Path, "/"); ds != "" {
			jsonData["defaultDataset"] = ds
		}
		q := u.Query()
		if v := q.Get("endpoint"); v != "" {
			jsonData["endpoint"] = v
		}
		if v := q.Get("location"); v != "" {
			jsonData["processingLocation"] = v
		}
		if v := q.Get("priority"); v != "" {
			jsonData["priority"] = v
		}
		if v := q.Get("credentials"); v != "" {
			key, err := os.ReadFile(v)
			if err != nil {
				return nil, nil, fmt.Errorf("credentials: %w", err)
			}
			secure["serviceAccountKey"] = string(key)
		}
	case "duckdb":
		if p := u.Host + u.Path; p != "" {
			jsonData["path"] = p
		}
	default:
		return nil, nil, fmt.Errorf("unknown engine %q in the DSN: use postgres, clickhouse, bigquery or duckdb", scheme)
	}
	return jsonData, secure, nil
}
