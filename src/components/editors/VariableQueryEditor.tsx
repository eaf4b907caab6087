import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Field } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { QuarryOptions, QuarryQuery } from '../../types';
import { migrateVariableQuery, QUERY_TYPE_VARIABLE } from '../../variableQuery';
import { SqlEditor } from '../query/SqlEditor';

type Props = QueryEditorProps<DataSource, QuarryQuery, QuarryOptions, QuarryQuery>;

/** VariableQueryEditor edits a template variable query: one or two columns, or __text and __value. */
export function VariableQueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const q = migrateVariableQuery(query ?? '');
  return (
    <Field
      label="Query"
      description="One column gives the values; two give text and value; or name them __text and __value"
    >
      <div>
        <SqlEditor
          value={q.rawSql ?? ''}
          engine={datasource.engine}
          resources={datasource.resources}
          onChange={(sql) => onChange({ ...q, rawSql: sql, queryType: QUERY_TYPE_VARIABLE, format: 'table' })}
          onRun={onRunQuery}
          height={120}
        />
      </div>
    </Field>
  );
}
