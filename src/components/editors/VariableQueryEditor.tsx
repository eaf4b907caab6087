import React, { useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Alert, Button, Field, Stack } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { QuarryOptions, QuarryQuery } from '../../types';
import { migrateVariableQuery, QUERY_TYPE_VARIABLE } from '../../variableQuery';
import { PlannedSqlEditor } from '../QueryEditor';
import { defaultRange, PREVIEW_ROWS, runPreview, Runner, VariableValue, variableValues } from './preview';
import { runnerFor } from './runner';

type Props = QueryEditorProps<DataSource, QuarryQuery, QuarryOptions, QuarryQuery> & { runner?: Runner };

/**
 * VariableQueryEditor edits a template variable query (one or two columns,
 * or __text and __value) with the planner's markers, cost and plan, and a
 * preview of the values.
 */
export function VariableQueryEditor({ datasource, query, onChange, range, runner }: Props) {
  const q = migrateVariableQuery(query ?? '');
  const [preview, setPreview] = useState<{ values?: VariableValue[]; error?: string; loading?: boolean }>({});
  const update = (next: QuarryQuery) => onChange({ ...next, queryType: QUERY_TYPE_VARIABLE, format: 'table' });
  const run = async () => {
    setPreview({ loading: true });
    try {
      const frames = await runPreview(
        runner ?? runnerFor(datasource),
        { ...q, queryType: QUERY_TYPE_VARIABLE, format: 'table' },
        range ?? defaultRange()
      );
      setPreview({ values: variableValues(frames) });
    } catch (err) {
      setPreview({ error: (err as Error).message });
    }
  };
  return (
    <Stack direction="column" gap={1}>
      <Field
        label="Query"
        description="One column gives the values; two give text and value; or name them __text and __value"
      >
        <div>
          <PlannedSqlEditor
            datasource={datasource}
            query={{ ...q, format: 'table' }}
            onChange={update}
            onRunQuery={run}
            range={range}
            height={120}
          />
        </div>
      </Field>
      <Stack direction="row" gap={1} alignItems="center">
        <Button size="sm" variant="secondary" icon="eye" onClick={run} data-testid="quarry-variable-preview-run">
          Preview values
        </Button>
        {preview.loading && <span>Running…</span>}
      </Stack>
      {preview.error && (
        <Alert severity="error" title="The variable query failed" data-testid="quarry-variable-preview-error">
          {preview.error}
        </Alert>
      )}
      {preview.values && (
        <div data-testid="quarry-variable-preview">
          <strong>
            {preview.values.length} value{preview.values.length === 1 ? '' : 's'}
          </strong>
          <ul>
            {preview.values.slice(0, PREVIEW_ROWS).map((v, i) => (
              <li key={i}>{v.text === v.value ? v.text : `${v.text} (${v.value})`}</li>
            ))}
          </ul>
          {preview.values.length > PREVIEW_ROWS && <span>and {preview.values.length - PREVIEW_ROWS} more</span>}
        </div>
      )}
    </Stack>
  );
}
