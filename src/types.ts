import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

/** Engine names the backend accepts in jsonData.engine. */
export type Engine = 'duckdb' | 'postgres' | 'clickhouse' | 'bigquery';

export const ENGINES: Engine[] = ['duckdb', 'postgres', 'clickhouse', 'bigquery'];

/** Frame shapes the backend builds (the query model's `format`). */
export type Format =
  'auto' | 'table' | 'time_series' | 'time_series_long' | 'time_series_multi' | 'logs' | 'annotations';

/** The query model sent to the backend. */
export interface QuarryQuery extends DataQuery {
  rawSql: string;
  format?: Format;
  /** Overrides the data source's row cap for this query (0/undefined: the default). */
  maxRows?: number;
  /** Overrides the fill of $__timeGroup ("0", "NULL", "previous"). */
  fill?: string;
  /** The Altinity ClickHouse plugin's query model, read by its macros ($table, $timeFilter, $rateColumns…). */
  database?: string;
  table?: string;
  dateTimeColDataType?: string;
  dateColDataType?: string;
  dateTimeType?: string;
  round?: string;
  intervalFactor?: number;
  skip_comments?: boolean;
  extrapolate?: boolean;
  /** BigQuery only: per-query processing location and priority. */
  location?: string;
  priority?: 'INTERACTIVE' | 'BATCH';
  /** Set by the data source: the dashboard's ad hoc filters and timezone. */
  filters?: QuarryFilter[];
  timezone?: string;
  /** Editor-only: which editor shows the query (the backend ignores it). */
  editorMode?: EditorMode;
  /** Editor-only: the builder's model of rawSql (the backend ignores it; rawSql is what runs). */
  builder?: BuilderModel;
}

export type EditorMode = 'code' | 'builder';

// The builder model (pkg/sqlplan/builder.Model); the backend writes its SQL.

export type BuilderMode = 'table' | 'time_series' | 'logs';
export type BuilderAggregate = '' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct';
export type BuilderOp =
  | '$__timeFilter'
  | '='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'IN'
  | 'NOT IN'
  | 'LIKE'
  | 'NOT LIKE'
  | 'IS NULL'
  | 'IS NOT NULL';

export interface BuilderValue {
  kind: 'string' | 'number' | 'variable';
  text: string;
}

export interface BuilderModel {
  mode: BuilderMode;
  table: { project?: string; dataset?: string; name: string };
  time?: { column: string; interval: string; fill?: string; alias?: string };
  columns: Array<{ name: string; aggregate?: BuilderAggregate; alias?: string }>;
  filters?: Array<{ column: string; op: BuilderOp; value?: BuilderValue; values?: BuilderValue[] }>;
  groupBy?: string[];
  orderBy?: Array<{ time?: boolean; column?: string; aggregate?: BuilderAggregate; desc?: boolean }>;
  limit?: number;
}

/** The /builder/parse answer: the model and its SQL, or why the SQL does not fit and where. */
export interface BuilderParseResult {
  fits: boolean;
  model?: BuilderModel;
  sql?: string;
  reason?: string;
  line?: number;
  column?: number;
}

/** An ad hoc filter as the planner receives it (see DESIGN.md). */
export interface QuarryFilter {
  key: string;
  operator: string;
  value?: string;
  values?: string[];
}

/**
 * jsonData of a Quarry data source: the common keys (pkg/plugin/settings.go)
 * plus the keys of every engine (only those of `engine` are used).
 */
export interface QuarryOptions extends DataSourceJsonData {
  engine?: Engine;
  // Common defaults and guardrails.
  maxRows?: number;
  maxResultBytes?: number;
  queryTimeout?: string;
  cacheTTL?: string;
  cacheMaxBytes?: number;
  concurrency?: number;
  /** Incremental refresh: query only the tail of a range that moved forward, where the planner proves it exact. */
  incremental?: boolean;
  incrementalOverlap?: string;
  maxBytes?: number;
  maxUSD?: number;
  maxEstimatedRows?: number;
  // Trust allow-lists (pkg/sqlplan/guard): what the planner refuses unless opened here.
  allowedFunctions?: string[];
  allowedTableFunctions?: string[];
  allowedSchemas?: string[];
  allowedDatabases?: string[];
  allowedDatasets?: string[];
  // PostgreSQL and ClickHouse (pkg/engine/postgres and clickhouse Settings).
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  // PostgreSQL TLS: PEM CA bundle and client certificate (its key is secure: sslKey).
  sslmode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  sslRootCert?: string;
  sslCert?: string;
  connectTimeout?: string;
  maxConns?: number;
  connMaxLifetime?: string;
  // ClickHouse TLS: PEM CA and client certificate (its key is secure: tlsClientKey).
  secure?: boolean;
  tlsSkipVerify?: boolean;
  tlsServerName?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  /** Editor-only: shows the client certificate fields. */
  tlsAuth?: boolean;
  dialTimeout?: string;
  maxOpenConns?: number;
  // ClickHouse native protocol block compression (backend default lz4).
  compression?: 'lz4' | 'zstd' | 'none';
  // BigQuery.
  authType?: 'key' | 'adc';
  defaultProject?: string;
  defaultDataset?: string;
  processingLocation?: string;
  endpoint?: string;
  priority?: 'INTERACTIVE' | 'BATCH';
  maxBytesBilled?: number;
  pricePerTiB?: number;
  pageSize?: number;
  storageReadApi?: boolean;
  storageEndpoint?: string;
  // DuckDB.
  path?: string;
  dataFolder?: string;
  threads?: number;
  memoryLimit?: string;
  maxConnections?: number;
  // Ad hoc filters: the table whose columns are the filter keys ("dataset.table").
  adhocTable?: string;
  // Shared result cache in Redis (its password is secure: cacheRedisPassword).
  cacheRedisURL?: string;
  cacheRedisMaxEntryBytes?: number;
  cacheRedisTLSCACert?: string;
  cacheRedisTLSSkipVerify?: boolean;
  /** Grafana's "Forward OAuth identity": results are cached per user. */
  oauthPassThru?: boolean;
}

/** secureJsonData of a Quarry data source. */
export interface QuarrySecureOptions {
  /** PostgreSQL and ClickHouse password. */
  password?: string;
  /** PostgreSQL client key (PEM). */
  sslKey?: string;
  /** ClickHouse client key (PEM). */
  tlsClientKey?: string;
  /** BigQuery service account JSON key. */
  serviceAccountKey?: string;
  /** Password of the shared cache's Redis. */
  cacheRedisPassword?: string;
}

// Backend resource shapes (pkg/plugin resources; pkg/sqlplan.Plan; pkg/engine.Cost).

export interface PlanSpan {
  start: number;
  end: number;
}

export interface PlanStep {
  kind: string;
  detail: string;
  span?: PlanSpan;
}

export interface PlanWarning {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export interface Plan {
  sql: string;
  statement: string;
  steps: PlanStep[] | null;
  warnings: PlanWarning[] | null;
  rowCap?: number;
  limitAdded?: boolean;
}

export type CostKind = 'exact' | 'estimate' | 'upperBound' | 'unknown';

export interface Cost {
  bytes: number;
  rows: number;
  engineCost?: number;
  usd: number;
  kind: CostKind;
  referencedTables?: string[];
  notes?: string[];
}

export interface Budget {
  maxBytes?: number;
  maxUSD?: number;
  maxEstimatedRows?: number;
}

export interface Estimate {
  plan?: Plan;
  cost?: Cost;
  budget?: Budget;
  overBudget?: boolean;
  /** The guardrail's refusal when the estimate is over budget. */
  refused?: string;
  message?: string;
}

/** A planner error with a 1-based position (0 when not tied to one). */
export interface PlanError {
  message: string;
  line?: number;
  column?: number;
  snippet?: string;
}

export interface MacroDoc {
  name: string;
  args?: string[] | string;
  description?: string;
  example?: string;
}

/** A function of the connected server (GET /schema/functions). */
export interface ServerFunction {
  name: string;
  signature?: string;
  returns?: string;
  kind: 'scalar' | 'aggregate' | 'window' | 'table';
  description?: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  /** In the partition key (BigQuery partitioning, ClickHouse PARTITION BY). */
  partitionKey?: boolean;
  /** In the sorting key (ClickHouse ORDER BY, BigQuery clustering). */
  sortKey?: boolean;
}

export interface TableSchema {
  name: string;
  columns: ColumnInfo[];
  partitioning?: unknown;
}

/** The body of POST /plan and /estimate. */
export interface PlanRequest {
  rawSql: string;
  format?: Format;
  timeRange: { from: string; to: string };
  intervalMs?: number;
  maxDataPoints?: number;
  timezone?: string;
  filters?: QuarryFilter[];
  maxRows?: number;
  /** The dashboard's current variable values, {"name": value | [values]}. */
  variables?: Record<string, string | string[]>;
}
