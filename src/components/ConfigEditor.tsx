import React from 'react';
import { Alert, Field, FieldSet, RadioButtonGroup } from '@grafana/ui';

import { Engine } from '../types';
import { BigQuerySection } from './config/BigQuerySection';
import { ClickHouseSection } from './config/ClickHouseSection';
import { DefaultsSection } from './config/DefaultsSection';
import { DuckDBSection } from './config/DuckDBSection';
import { ConfigProps, switchEngine } from './config/helpers';
import { PostgresSection } from './config/PostgresSection';

const ENGINE_OPTIONS: Array<{ label: string; value: Engine; description: string }> = [
  { label: 'DuckDB', value: 'duckdb', description: 'Embedded, no server needed' },
  { label: 'PostgreSQL', value: 'postgres', description: 'PostgreSQL 12 or newer' },
  { label: 'ClickHouse', value: 'clickhouse', description: 'Native protocol, 18.x to 24.x' },
  { label: 'BigQuery', value: 'bigquery', description: 'Google BigQuery with dry-run cost estimates' },
];

const SECTIONS: Record<Engine, (p: { props: ConfigProps }) => React.JSX.Element> = {
  duckdb: DuckDBSection,
  postgres: PostgresSection,
  clickhouse: ClickHouseSection,
  bigquery: BigQuerySection,
};

/** ConfigEditor picks the engine, then shows that engine's fields and the common defaults. */
export function ConfigEditor(props: ConfigProps) {
  const engine = props.options.jsonData.engine ?? 'duckdb';
  const Section = SECTIONS[engine] ?? DuckDBSection;
  const [cleared, setCleared] = React.useState<string[]>([]);
  const onEngine = (value: Engine) => {
    const { options, onOptionsChange } = props;
    const { jsonData, removed } = switchEngine(options.jsonData, value);
    setCleared(removed);
    onOptionsChange({ ...options, jsonData });
  };
  return (
    <div data-testid="quarry-config-editor">
      <FieldSet label="Engine">
        <Field label="Engine" description={ENGINE_OPTIONS.find((o) => o.value === engine)?.description}>
          <RadioButtonGroup options={ENGINE_OPTIONS} value={engine} onChange={onEngine} />
        </Field>
        {cleared.length > 0 && (
          <Alert
            severity="warning"
            title="Settings of the previous engine were cleared"
            data-testid="quarry-engine-cleared"
          >
            {cleared.join(', ')}
          </Alert>
        )}
      </FieldSet>
      <Section props={props} />
      <DefaultsSection props={props} />
    </div>
  );
}
