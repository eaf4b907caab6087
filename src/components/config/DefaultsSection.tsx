import React from 'react';
import { FieldSet } from '@grafana/ui';

import { Engine } from '../../types';
import { JsonInput, ListInput, SecretField, SwitchInput } from './Inputs';
import { PemField } from './TlsFields';
import { ConfigProps } from './helpers';

/** FUNCTIONS_NOTE says what allowedFunctions opens on each engine (README, Security). */
const FUNCTIONS_NOTE: Record<Engine, string> = {
  duckdb:
    'DuckDB functions the planner refuses that this data source opens on purpose: read_csv, read_parquet, glob and other file readers reach the data folder only; table functions such as range or generate_series are refused until listed',
  postgres:
    'PostgreSQL functions the planner refuses that this data source opens on purpose (pg_read_file, pg_ls_dir, dblink, set_config, nextval, …); each one reaches past the tables of the database',
  clickhouse:
    'Functions opened on purpose; ClickHouse table functions (url, s3, remote, numbers, …) are opened by "Allowed table functions" below',
  bigquery:
    'BigQuery functions the planner refuses that this data source opens on purpose (EXTERNAL_QUERY, EXTERNAL_OBJECT_TRANSFORM): they read other systems',
};

const SCHEMAS_NOTE: Record<Engine, string> = {
  duckdb: 'The only schemas a table may name (empty: any); information_schema and pg_catalog stay readable',
  postgres: 'The only schemas a table may name (empty: any); pg_catalog and information_schema stay readable',
  clickhouse: 'On ClickHouse a schema is a database: when set, this list is used instead of "Allowed databases"',
  bigquery: 'On BigQuery a schema is a dataset: read together with "Allowed datasets"',
};

const DATABASES_NOTE: Record<Engine, string> = {
  duckdb: 'The only attached catalogs a table may name (empty: any)',
  postgres: 'The only databases a table may name (empty: any)',
  clickhouse: 'The only databases a table may name (empty: any); system stays readable',
  bigquery: 'The only projects a table may name (empty: any)',
};

/** DefaultsSection holds the engine-independent limits: row and byte caps, timeouts, cache, concurrency, cost guardrails and the trust allow-lists. */
export function DefaultsSection({ props }: { props: ConfigProps }) {
  const engine = props.options.jsonData.engine ?? 'duckdb';
  return (
    <>
      <FieldSet label="Query defaults">
        <JsonInput
          props={props}
          name="maxRows"
          label="Row cap"
          description="Queries return at most this many rows; a LIMIT is added when missing"
          numeric
        />
        <JsonInput
          props={props}
          name="maxResultBytes"
          label="Result byte cap"
          description="A result stops at this many bytes of values, with a notice like the row cap's"
          numeric
        />
        <JsonInput props={props} name="queryTimeout" label="Query timeout" description="Seconds or a duration" />
        <JsonInput
          props={props}
          name="concurrency"
          label="Concurrency"
          description="Queries of one panel request that run at once (1-64)"
          numeric
        />
      </FieldSet>
      <FieldSet label="Cache">
        <JsonInput
          props={props}
          name="cacheTTL"
          label="Cache TTL"
          description="Identical final SQL is served from the cache for this long (0 disables the cache)"
        />
        <JsonInput
          props={props}
          name="cacheMaxBytes"
          label="Cache size (bytes)"
          description="The cache's bound; the oldest results leave first"
          numeric
        />
        <SwitchInput
          props={props}
          name="oauthPassThru"
          label="Forward OAuth identity"
          description="Grafana forwards each user's OAuth token to the data source; cached results are then kept per user"
        />
      </FieldSet>
      <FieldSet label="Shared cache (Redis)" data-testid="quarry-shared-cache">
        <JsonInput
          props={props}
          name="cacheRedisURL"
          label="Redis URL"
          description="redis://host:port/db or rediss://host:port/db (TLS): Grafana replicas that name the same Redis run each query once per cache TTL (empty: this process's cache only)"
          placeholder="redis://redis:6379/0"
        />
        <SecretField
          props={props}
          name="cacheRedisPassword"
          label="Redis password"
          description="Kept encrypted by Grafana"
        />
        <JsonInput
          props={props}
          name="cacheRedisMaxEntryBytes"
          label="Largest shared entry (bytes)"
          description="Results larger than this stay in this process's cache only"
          numeric
        />
        {(props.options.jsonData.cacheRedisURL ?? '').trim().startsWith('rediss://') && (
          <>
            <PemField
              props={props}
              name="cacheRedisTLSCACert"
              label="Redis CA certificate"
              description="PEM of the CA that signed Redis's certificate (empty: the system roots)"
            />
            <SwitchInput
              props={props}
              name="cacheRedisTLSSkipVerify"
              label="Skip Redis TLS verification"
              description="Accept any certificate; for tests only"
            />
          </>
        )}
      </FieldSet>
      <FieldSet label="Incremental refresh" data-testid="quarry-incremental">
        <SwitchInput
          props={props}
          name="incremental"
          label="Incremental refresh"
          description="When a panel's range moves forward, query only its tail and reuse the last answer's buckets - only where the planner proves the answer equal to the full query's"
        />
        {props.options.jsonData.incremental && (
          <JsonInput
            props={props}
            name="incrementalOverlap"
            label="Overlap"
            description="The tail starts this far before the previous range's end, to pick up late rows (default 10m)"
            placeholder="10m"
          />
        )}
      </FieldSet>
      <FieldSet label="Cost guardrails">
        <JsonInput
          props={props}
          name="maxBytes"
          label="Maximum bytes scanned"
          description="Queries whose estimate scans more are refused before they run"
          placeholder="1099511627776"
          numeric
        />
        <JsonInput props={props} name="maxUSD" label="Maximum cost (USD)" placeholder="5" numeric />
        <JsonInput
          props={props}
          name="maxEstimatedRows"
          label="Maximum estimated rows"
          placeholder="100000000"
          numeric
        />
      </FieldSet>
      <FieldSet label="Trust: what queries may reach" data-testid="quarry-allow-lists">
        <ListInput
          props={props}
          name="allowedFunctions"
          label="Allowed functions"
          description={FUNCTIONS_NOTE[engine]}
          placeholder="read_parquet, range"
        />
        <ListInput
          props={props}
          name="allowedSchemas"
          label="Allowed schemas"
          description={SCHEMAS_NOTE[engine]}
          placeholder={engine === 'postgres' ? 'public, reporting' : 'analytics'}
        />
        {engine === 'clickhouse' && (
          <ListInput
            props={props}
            name="allowedTableFunctions"
            label="Allowed table functions"
            description="ClickHouse table functions opened on purpose; every table function not listed is refused. numbers, zeros and values read nothing outside; url, s3, remote and file reach other hosts or the server's disk"
            placeholder="numbers, values"
          />
        )}
        {engine === 'bigquery' && (
          <ListInput
            props={props}
            name="allowedDatasets"
            label="Allowed datasets"
            description="dataset (in the default project) or project.dataset: the only datasets a query may read (empty: any); checked on the planner's tables and on the dry run's referencedTables"
            placeholder="analytics, other-project.sales"
          />
        )}
        <ListInput
          props={props}
          name="allowedDatabases"
          label={engine === 'bigquery' ? 'Allowed projects' : 'Allowed databases'}
          description={DATABASES_NOTE[engine]}
        />
      </FieldSet>
      <FieldSet label="Ad hoc filters">
        <JsonInput
          props={props}
          name="adhocTable"
          label="Filter keys from table"
          description="dataset.table whose columns are offered as ad hoc filter keys; values are sampled within the time range"
          placeholder="sample.http_requests"
        />
      </FieldSet>
    </>
  );
}
