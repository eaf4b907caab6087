import React from 'react';
import { FieldSet } from '@grafana/ui';

import { JsonInput } from './Inputs';
import { ConfigProps } from './helpers';

/** DuckDBSection holds the embedded DuckDB file and the folder its queries may read. */
export function DuckDBSection({ props }: { props: ConfigProps }) {
  return (
    <FieldSet label="DuckDB (embedded)">
      <JsonInput
        props={props}
        name="path"
        label="Database file"
        description="Opened read-only. Empty: an in-memory database with the Quarry sample loaded"
        placeholder="/var/lib/grafana/quarry/analytics.duckdb"
      />
      <JsonInput
        props={props}
        name="dataFolder"
        label="Data folder"
        description="Files under this folder (Parquet, CSV, JSON) may be read by queries; nothing else"
        placeholder="/var/lib/grafana/quarry/data"
      />
      <JsonInput props={props} name="threads" label="Threads" description="DuckDB's worker threads (0-1024)" numeric />
      <JsonInput
        props={props}
        name="memoryLimit"
        label="Memory limit"
        description="DuckDB's memory_limit, a size such as 512MB or 2GB"
      />
      <JsonInput
        props={props}
        name="maxConnections"
        label="Max connections"
        description="Connections to the embedded database open at once"
        numeric
      />
    </FieldSet>
  );
}
