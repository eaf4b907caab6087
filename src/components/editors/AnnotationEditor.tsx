import React, { useState } from 'react';
import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { Alert, Button, Field, InlineField, InlineFieldRow, Input, Stack } from '@grafana/ui';

import type { DataSource } from '../../datasource';
import { DEFAULT_ANNOTATION_SQL } from '../../defaults';
import { QuarryQuery } from '../../types';
import { PlannedSqlEditor } from '../QueryEditor';
import {
  ANNOTATION_FIELDS,
  AnnotationField,
  AnnotationRow,
  annotationRows,
  defaultRange,
  PREVIEW_ROWS,
  runPreview,
  Runner,
} from './preview';
import { runnerFor } from './runner';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Grafana types the annotation editor's data source as any.
type Props = QueryEditorProps<any, QuarryQuery> & {
  annotation?: AnnotationQuery<QuarryQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<QuarryQuery>) => void;
  runner?: Runner;
};

type Mapping = Partial<Record<AnnotationField, string>>;

/** mappingOf reads the column names from Grafana's annotation mappings ({time: {source: 'field', value: 'ts'}}). */
function mappingOf(annotation?: AnnotationQuery<QuarryQuery>): Mapping {
  const m = (annotation?.mappings ?? {}) as Record<string, { value?: string } | undefined>;
  const out: Mapping = {};
  for (const k of ANNOTATION_FIELDS) {
    if (m[k]?.value) {
      out[k] = m[k]!.value;
    }
  }
  return out;
}

/**
 * AnnotationEditor edits an annotation query with the planner's markers,
 * cost and plan; maps result columns to time, timeEnd, title, text and tags
 * (Grafana's annotation mappings); and previews the first annotations.
 */
export function AnnotationEditor({
  datasource: ds,
  query,
  onChange,
  range,
  annotation,
  onAnnotationChange,
  runner,
}: Props) {
  const datasource = ds as DataSource;
  const q: QuarryQuery = {
    ...query,
    refId: query?.refId || 'Anno',
    rawSql: query?.rawSql ?? DEFAULT_ANNOTATION_SQL,
    format: 'annotations',
  };
  const mapping = mappingOf(annotation);
  const [preview, setPreview] = useState<{ rows?: AnnotationRow[]; error?: string; loading?: boolean }>({});

  const setMapping = (k: AnnotationField, column: string) => {
    if (!annotation || !onAnnotationChange) {
      return;
    }
    const mappings = { ...(annotation.mappings ?? {}) } as Record<string, unknown>;
    if (column.trim()) {
      mappings[k] = { source: 'field', value: column.trim() };
    } else {
      delete mappings[k];
    }
    onAnnotationChange({ ...annotation, mappings } as AnnotationQuery<QuarryQuery>);
  };

  const run = async () => {
    setPreview({ loading: true });
    try {
      const frames = await runPreview(runner ?? runnerFor(datasource), q, range ?? defaultRange());
      setPreview({ rows: annotationRows(frames, mapping) });
    } catch (err) {
      setPreview({ error: (err as Error).message });
    }
  };

  return (
    <Stack direction="column" gap={1}>
      <Field
        label="Annotation query"
        description="Return time (and optionally timeEnd), title, text and tags; $__timeFilter(column) limits rows to the dashboard range"
      >
        <div>
          <PlannedSqlEditor
            datasource={datasource}
            query={q}
            onChange={(next) => onChange({ ...next, format: 'annotations' })}
            onRunQuery={run}
            range={range}
            height={150}
          />
        </div>
      </Field>
      <InlineFieldRow data-testid="quarry-annotation-mapping">
        {ANNOTATION_FIELDS.map((k) => (
          <InlineField key={k} label={k} tooltip={`Column for ${k} (default: a column named ${k})`}>
            <Input
              aria-label={`Column for ${k}`}
              width={14}
              placeholder={k}
              value={mapping[k] ?? ''}
              onChange={(e) => setMapping(k, e.currentTarget.value)}
            />
          </InlineField>
        ))}
      </InlineFieldRow>
      <Stack direction="row" gap={1} alignItems="center">
        <Button size="sm" variant="secondary" icon="eye" onClick={run} data-testid="quarry-annotation-preview-run">
          Preview annotations
        </Button>
        {preview.loading && <span>Running…</span>}
      </Stack>
      {preview.error && (
        <Alert severity="error" title="The annotation query failed" data-testid="quarry-annotation-preview-error">
          {preview.error}
        </Alert>
      )}
      {preview.rows && (
        <table data-testid="quarry-annotation-preview">
          <thead>
            <tr>
              {ANNOTATION_FIELDS.map((k) => (
                <th key={k}>{k}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.slice(0, PREVIEW_ROWS).map((r, i) => (
              <tr key={i}>
                <td>{r.time !== undefined ? new Date(r.time).toISOString() : ''}</td>
                <td>{r.timeEnd !== undefined ? new Date(r.timeEnd).toISOString() : ''}</td>
                <td>{r.title ?? ''}</td>
                <td>{r.text ?? ''}</td>
                <td>{(r.tags ?? []).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {preview.rows && preview.rows.length === 0 && <span>No annotations in the time range.</span>}
    </Stack>
  );
}
