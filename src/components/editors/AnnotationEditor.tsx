import React from 'react';
import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { Field, Stack } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { DEFAULT_ANNOTATION_SQL } from '../../defaults';
import { QuarryQuery } from '../../types';
import { SqlEditor } from '../query/SqlEditor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Grafana types the annotation editor's data source as any.
type Props = QueryEditorProps<any, QuarryQuery> & {
  annotation?: AnnotationQuery<QuarryQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<QuarryQuery>) => void;
};

/** AnnotationEditor edits an annotation query: columns time, timeEnd, title, text and tags. */
export function AnnotationEditor({ datasource: ds, query, onChange, onRunQuery }: Props) {
  const datasource = ds as DataSource;
  const rawSql = query?.rawSql ?? DEFAULT_ANNOTATION_SQL;
  return (
    <Stack direction="column" gap={1}>
      <Field
        label="Annotation query"
        description="Return time (and optionally timeEnd), title, text and tags; $__timeFilter(column) limits rows to the dashboard range"
      >
        <div>
          <SqlEditor
            value={rawSql}
            engine={datasource.engine}
            resources={datasource.resources}
            onChange={(sql) =>
              onChange({ ...query, refId: query?.refId || 'Anno', rawSql: sql, format: 'annotations' })
            }
            onRun={onRunQuery}
            height={150}
          />
        </div>
      </Field>
    </Stack>
  );
}
