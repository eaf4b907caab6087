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
    </FieldSet>
  );
}
