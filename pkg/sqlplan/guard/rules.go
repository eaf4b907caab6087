package guard

import "strings"

// The trust rules, kept as data: one table per dialect. A pattern is a
// lower-case name ("glob"), a prefix ending in '*' ("read_*") or a suffix
// starting with '*' ("*_scan"). Names are compared case-insensitively, and a
// schema qualifier never helps: "pg_catalog".pg_read_file and
// myschema.pg_read_file are both refused, because only the last part of the
// name is matched.

// rule is one table entry: a name pattern and why it is there.
type rule struct {
	pattern string
	reason  string
}

// dialectRules are one dialect's tables.
type dialectRules struct {
	// deny lists functions refused in every position (scalar call, FROM, IN).
	deny []rule
	// tableFuncs, when not nil, is the allow-list of table functions (FROM
	// position): any other table function is refused as unknown. nil means
	// table functions are checked against deny only.
	tableFuncs []rule
	// settings, when not nil, is the allow-list of SETTINGS keys.
	settings []rule
	// catalogSchemas are the system schemas / databases that are always
	// readable, whatever allowedSchemas / allowedDatabases say.
	catalogSchemas []string
	// defaultSchema is where an unqualified table name resolves when the data
	// source does not say.
	defaultSchema string
	// funcOption is the data source option that opens a denied function.
	funcOption string
	// dbArgTableFuncs are allowed table functions whose arguments name a
	// database (so the allowedDatabases check cannot see which): refused
	// while allowedDatabases / allowedSchemas is set.
	dbArgTableFuncs []string
	// denyIndex is the quick-rejection index of deny (filled by indexed).
	denyIndex denyIndex
}

// denyIndex says quickly that a name matches no deny pattern, from the
// patterns' first and last (lower-case) bytes and byte pairs.
type denyIndex struct {
	all               bool
	first, last       [4]uint64    // one byte
	firstTwo, lastTwo [1024]uint64 // two bytes
}

func set(s []uint64, i int)      { s[i>>6] |= 1 << (i & 63) }
func has(s []uint64, i int) bool { return s[i>>6]&(1<<(i&63)) != 0 }
func pair(a, b byte) int         { return int(lower(a))<<8 | int(lower(b)) }

// indexed fills r's deny index.
func indexed(r dialectRules) dialectRules {
	x := &r.denyIndex
	for _, d := range r.deny {
		p := d.pattern
		prefix, suffix, star := strings.Cut(p, "*")
		switch {
		case len(prefix) >= 2:
			set(x.firstTwo[:], pair(prefix[0], prefix[1]))
		case len(prefix) == 1:
			set(x.first[:], int(lower(prefix[0])))
		case !star:
			x.all = true // the empty name
		case len(suffix) >= 2:
			set(x.lastTwo[:], pair(suffix[len(suffix)-2], suffix[len(suffix)-1]))
		case len(suffix) == 1:
			set(x.last[:], int(lower(suffix[0])))
		default:
			x.all = true // "*"
		}
	}
	return r
}

// mayDeny reports whether name can match a deny pattern: false means it
// cannot.
func (r *dialectRules) mayDeny(name string) bool {
	x, n := &r.denyIndex, len(name)
	switch {
	case x.all || n == 0:
		return true
	case has(x.first[:], int(lower(name[0]))) || has(x.last[:], int(lower(name[n-1]))):
		return true
	case n < 2:
		return false
	}
	return has(x.firstTwo[:], pair(name[0], name[1])) || has(x.lastTwo[:], pair(name[n-2], name[n-1]))
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

const (
	reasonFiles    = "it reads files on the host"
	reasonNetwork  = "it reaches other hosts or services over the network"
	reasonDynamic  = "it runs SQL text built at run time, which the planner cannot check"
	reasonSessions = "it acts on other sessions or on the server itself"
	reasonConfig   = "it changes the server's configuration"
	reasonSecrets  = "it reveals credentials or the process environment"
)

var duckdbRules = indexed(dialectRules{
	deny: []rule{
		{"read_*", reasonFiles + " (read_csv, read_parquet, read_json, read_text, read_blob, ...)"},
		{"glob", "it lists directories on the host"},
		{"*_scan", reasonFiles + " or other databases (parquet_scan, delta_scan, postgres_scan, sqlite_scan, ...)"},
		{"parquet_*", reasonFiles + " (Parquet metadata)"},
		{"sniff_csv", reasonFiles},
		{"iceberg*", reasonFiles + " (Iceberg tables)"},
		{"delta_*", reasonFiles + " (Delta tables)"},
		{"query", reasonDynamic},
		{"query_table", reasonDynamic + " (it reads a table named by a string)"},
		{"json_execute_serialized_sql", reasonDynamic},
		{"getenv", reasonSecrets},
		{"duckdb_secrets", reasonSecrets},
		{"which_secret", reasonSecrets},
		{"load_aws_credentials", reasonSecrets},
		{"postgres_*", reasonNetwork + " (postgres extension)"},
		{"mysql_*", reasonNetwork + " (mysql extension)"},
		{"sqlite_*", reasonFiles + " (sqlite extension)"},
		{"from_substrait*", reasonDynamic},
		{"checkpoint", "it writes the database file"},
		{"force_checkpoint", "it writes the database file"},
		{"dbgen", "it creates tables"},
		{"dsdgen", "it creates tables"},
	},
	tableFuncs: []rule{
		{"range", "generates numbers"},
		{"generate_series", "generates numbers or timestamps"},
		{"unnest", "expands a list"},
		{"json_each", "expands a JSON value"},
		{"json_tree", "expands a JSON value"},
		{"repeat_row", "repeats a row"},
		{"duckdb_columns", "catalog metadata"},
		{"duckdb_constraints", "catalog metadata"},
		{"duckdb_databases", "catalog metadata"},
		{"duckdb_dependencies", "catalog metadata"},
		{"duckdb_functions", "catalog metadata"},
		{"duckdb_indexes", "catalog metadata"},
		{"duckdb_keywords", "catalog metadata"},
		{"duckdb_schemas", "catalog metadata"},
		{"duckdb_sequences", "catalog metadata"},
		{"duckdb_settings", "configuration, read only"},
		{"duckdb_tables", "catalog metadata"},
		{"duckdb_types", "catalog metadata"},
		{"duckdb_views", "catalog metadata"},
		{"duckdb_extensions", "lists extensions, read only"},
		{"pragma_table_info", "catalog metadata"},
		{"pragma_show", "catalog metadata"},
		{"pragma_version", "the DuckDB version"},
		{"pragma_database_size", "database size"},
		{"pragma_storage_info", "storage metadata of a table"},
		{"test_all_types", "constant sample rows"},
	},
	catalogSchemas: []string{"information_schema", "pg_catalog"},
	defaultSchema:  "main",
	funcOption:     OptAllowedFunctions,
})

var clickhouseRules = indexed(dialectRules{
	deny: []rule{
		{"url", reasonNetwork}, {"urlcluster", reasonNetwork},
		{"remote", reasonNetwork}, {"remotesecure", reasonNetwork},
		{"s3", reasonNetwork}, {"s3cluster", reasonNetwork}, {"gcs", reasonNetwork}, {"cosn", reasonNetwork},
		{"oss", reasonNetwork}, {"azureblobstorage*", reasonNetwork}, {"hdfs*", reasonNetwork},
		{"file", reasonFiles}, {"filecluster", reasonFiles},
		{"mysql", reasonNetwork}, {"postgresql", reasonNetwork}, {"mongodb", reasonNetwork},
		{"redis", reasonNetwork}, {"sqlite", reasonFiles}, {"jdbc", reasonNetwork}, {"odbc", reasonNetwork},
		{"executable*", "it runs a program on the server"},
		{"input", "it reads data sent by the client"},
		{"iceberg*", reasonNetwork + " or files (Iceberg tables)"},
		{"deltalake*", reasonNetwork + " or files (Delta Lake tables)"},
		{"hudi*", reasonNetwork + " or files (Hudi tables)"},
		{"paimon*", reasonNetwork + " or files (Paimon tables)"},
		{"hive", reasonNetwork}, {"arrowflight", reasonNetwork}, {"ytsaurus", reasonNetwork},
		{"dictionary", "it reads a dictionary, whose source may be another host or file"},
	},
	// An allow-list: a table function not named here might read outside the
	// server's own tables (ClickHouse adds new ones in most releases).
	tableFuncs: []rule{
		{"numbers", "generates numbers"}, {"numbers_mt", "generates numbers"},
		{"zeros", "generates zeros"}, {"zeros_mt", "generates zeros"},
		{"generaterandom", "generates random rows (bounded by the row cap and limits)"},
		{"generate_series", "generates numbers"}, {"generateseries", "generates numbers"},
		{"values", "constant rows"}, {"null", "an empty table"},
		{"view", "a subquery, checked like any query"},
		{"merge", "the server's own tables matching a pattern"},
		{"cluster", "the server's own cluster"}, {"clusterallreplicas", "the server's own cluster"},
		{"format", "parses a constant string"},
		{"loop", "repeats the server's own table"},
		{"mergetreeindex", "index metadata of the server's own table"},
	},
	settings: []rule{
		{"max_threads", "parallelism of one query"},
		{"max_block_size", "block size"},
		{"preferred_block_size_bytes", "block size"},
		{"join_use_nulls", "join semantics"},
		{"join_algorithm", "join strategy"},
		{"join_default_strictness", "join semantics"},
		{"any_join_distinct_right_table_keys", "join semantics"},
		{"joined_subquery_requires_alias", "syntax"},
		{"prefer_column_name_to_alias", "syntax"},
		{"enable_positional_arguments", "syntax"},
		{"aggregate_functions_null_for_empty", "aggregate semantics"},
		{"count_distinct_implementation", "aggregate implementation"},
		{"transform_null_in", "IN semantics"},
		{"cast_keep_nullable", "CAST semantics"},
		{"union_default_mode", "UNION semantics"},
		{"distributed_product_mode", "subquery semantics on distributed tables"},
		{"prefer_global_in_and_join", "subquery semantics on distributed tables"},
		{"enable_optimize_predicate_expression", "optimizer"},
		{"optimize_*", "optimizer"},
		{"use_uncompressed_cache", "cache use"},
		{"use_index_for_in_with_subqueries", "optimizer"},
		{"force_index_by_date", "refuses a scan without a date index (stricter)"},
		{"force_primary_key", "refuses a scan without the primary key (stricter)"},
		{"do_not_merge_across_partitions_select_final", "FINAL strategy"},
		{"final", "FINAL semantics"},
		{"extremes", "adds extremes"},
		{"totals_mode", "WITH TOTALS semantics"},
		{"totals_auto_threshold", "WITH TOTALS semantics"},
		{"group_by_two_level_threshold", "aggregation strategy"},
		{"group_by_two_level_threshold_bytes", "aggregation strategy"},
		{"distributed_aggregation_memory_efficient", "aggregation strategy"},
		{"compile_expressions", "JIT"},
		{"min_count_to_compile_expression", "JIT"},
		{"load_balancing", "replica choice"},
		{"prefer_localhost_replica", "replica choice"},
		{"skip_unavailable_shards", "shard failures"},
		{"session_timezone", "time zone of the query"},
		{"date_time_output_format", "output format"},
		{"date_time_input_format", "parsing of literals"},
		{"log_comment", "a comment in the query log"},
		{"send_logs_level", "server logs sent to the client"},
	},
	catalogSchemas:  []string{"system", "information_schema"},
	defaultSchema:   "default",
	funcOption:      OptAllowedTableFunctions,
	dbArgTableFuncs: []string{"merge", "cluster", "clusterallreplicas", "loop", "mergetreeindex"},
})

var postgresRules = indexed(dialectRules{
	deny: []rule{
		{"pg_read_file", reasonFiles}, {"pg_read_binary_file", reasonFiles},
		{"pg_ls_*", "it lists directories on the server"}, {"pg_stat_file", reasonFiles},
		{"pg_file_*", "it writes files on the server (adminpack)"}, {"pg_logdir_ls", "it lists directories on the server"},
		{"lo_import", reasonFiles}, {"lo_export", "it writes files on the server"},
		{"dblink*", reasonNetwork}, {"postgres_fdw_*", reasonNetwork},
		{"pg_terminate_backend", reasonSessions}, {"pg_cancel_backend", reasonSessions},
		{"pg_reload_conf", reasonConfig}, {"pg_rotate_logfile", reasonSessions},
		{"set_config", reasonConfig + " (it can undo the read-only transaction and the statement timeout)"},
		{"pg_advisory_lock*", "it takes a session lock that outlives the query"},
		{"pg_try_advisory_lock*", "it takes a session lock that outlives the query"},
		{"pg_advisory_unlock*", "it releases session locks of the connection"},
		{"query_to_xml*", reasonDynamic}, {"cursor_to_xml*", reasonDynamic},
		{"table_to_xml*", "it reads a table named by a string, which the planner cannot check"},
		{"schema_to_xml*", "it reads every table of a schema named by a string"},
		{"database_to_xml*", "it reads every table of the database"},
		{"ts_stat", reasonDynamic}, {"ts_rewrite", reasonDynamic},
		{"pg_notify", "it sends a notification to other sessions"},
		{"pg_promote", reasonSessions}, {"pg_switch_wal", reasonSessions},
		{"pg_create_restore_point", reasonSessions}, {"pg_backup_*", reasonSessions},
		{"pg_start_backup", reasonSessions}, {"pg_stop_backup", reasonSessions},
		{"pg_create_*_replication_slot", reasonSessions}, {"pg_drop_replication_slot", reasonSessions},
		{"pg_replication_origin_*", reasonSessions}, {"pg_logical_emit_message", reasonSessions},
		{"pg_log_backend_memory_contexts", reasonSessions}, {"pg_wal_replay_*", reasonSessions},
		{"pg_stat_reset*", reasonSessions}, {"pg_stat_statements_reset", reasonSessions},
		{"pg_import_system_collations", "it writes the catalog"},
		{"nextval", "it changes a sequence"}, {"setval", "it changes a sequence"},
	},
	catalogSchemas: []string{"pg_catalog", "information_schema"},
	defaultSchema:  "public",
	funcOption:     OptAllowedFunctions,
})

var bigqueryRules = indexed(dialectRules{
	deny: []rule{
		{"external_query", reasonNetwork + " (a federated query to Cloud SQL or Spanner)"},
		{"external_object_transform", reasonFiles + " (Cloud Storage objects)"},
	},
	catalogSchemas: []string{},
	defaultSchema:  "",
	funcOption:     OptAllowedFunctions,
})

// statementReasons explain why a statement keyword is refused, for the
// kinds that are dangerous rather than merely not read-only.
var statementReasons = []rule{
	{"set", "changes the session's configuration (limits, access, search path)"},
	{"pragma", "changes the engine's configuration"},
	{"reset", "changes the session's configuration"},
	{"attach", "opens another database or file"},
	{"detach", "closes a database"},
	{"copy", "reads or writes files, or runs a program on the server"},
	{"export", "writes files"},
	{"import", "reads files"},
	{"install", "downloads extension code"},
	{"load", "loads extension code"},
	{"use", "changes the session's default database"},
	{"call", "runs a procedure"},
	{"system", "acts on the server"},
	{"kill", "acts on other sessions"},
	{"optimize", "rewrites table data"},
	{"checkpoint", "writes the database file"},
	{"vacuum", "rewrites table data"},
	{"grant", "changes privileges"},
	{"revoke", "changes privileges"},
}
