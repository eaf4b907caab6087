import { Engine, QuarryQuery } from './types';

/**
 * A query per engine that runs on any server of that engine (it reads no
 * table) and shows the time column convention.
 */
export const DEFAULT_SQL: Record<Engine, string> = {
  duckdb: 'SELECT now() AS time, version() AS version',
  postgres: 'SELECT now() AS time, version() AS version',
  clickhouse: 'SELECT now() AS time, version() AS version',
  bigquery: 'SELECT CURRENT_TIMESTAMP() AS time, @@project_id AS project',
};

export function defaultQuery(engine: Engine): Partial<QuarryQuery> {
  return { rawSql: DEFAULT_SQL[engine] ?? DEFAULT_SQL.duckdb, format: 'table' };
}

/** A starting query for annotations: time, timeEnd, title, text, tags. */
export const DEFAULT_ANNOTATION_SQL =
  'SELECT ts AS time, end_ts AS "timeEnd", title, text, tags\nFROM deploys\nWHERE $__timeFilter(ts)';
