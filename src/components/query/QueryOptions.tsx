import React, { useEffect, useState } from 'react';
import { InlineField, InlineFieldRow, Input, Select } from '@grafana/ui';

import { Engine, QuarryQuery } from '../../types';

const FILL_OPTIONS = [
  { label: 'As in the SQL', value: '' },
  { label: '0', value: '0' },
  { label: 'NULL', value: 'NULL' },
  { label: 'Previous', value: 'previous' },
];

const PRIORITY_OPTIONS = [
  { label: 'Data source default', value: '' },
  { label: 'Interactive', value: 'INTERACTIVE' },
  { label: 'Batch', value: 'BATCH' },
];

interface Props {
  query: QuarryQuery;
  engine: Engine;
  onChange: (q: QuarryQuery) => void;
}

/** QueryOptions is the per-query options row: fill, maxRows and, on BigQuery, location and priority. */
export function QueryOptions({ query, engine, onChange }: Props) {
  return (
    <InlineFieldRow data-testid="quarry-query-options">
      <InlineField label="Fill" tooltip="Fills missing $__timeGroup buckets (overrides the macro's fill argument)">
        <Select
          inputId="quarry-fill"
          aria-label="Fill"
          width={16}
          options={FILL_OPTIONS}
          value={query.fill ?? ''}
          onChange={(v) => onChange({ ...query, fill: v.value || undefined })}
        />
      </InlineField>
      <InlineField label="Max rows" tooltip="Lowers the data source's row cap for this query">
        <DraftNumber
          id="quarry-max-rows"
          label="Max rows"
          value={query.maxRows}
          onCommit={(n) => onChange({ ...query, maxRows: n && n > 0 ? Math.floor(n) : undefined })}
        />
      </InlineField>
      {engine === 'bigquery' && (
        <>
          <InlineField
            label="Location"
            tooltip="BigQuery processing location for this query (default: the data source's)"
          >
            <Input
              id="quarry-location"
              aria-label="Location"
              width={14}
              placeholder="US"
              value={query.location ?? ''}
              onChange={(e) => onChange({ ...query, location: e.currentTarget.value || undefined })}
            />
          </InlineField>
          <InlineField label="Priority">
            <Select
              inputId="quarry-priority"
              aria-label="Priority"
              width={22}
              options={PRIORITY_OPTIONS}
              value={query.priority ?? ''}
              onChange={(v) =>
                onChange({ ...query, priority: (v.value || undefined) as QuarryQuery['priority'] | undefined })
              }
            />
          </InlineField>
        </>
      )}
    </InlineFieldRow>
  );
}

/** DraftNumber keeps the typed text until blur, then commits it as a number (empty: undefined). */
function DraftNumber({
  id,
  label,
  value,
  onCommit,
}: {
  id: string;
  label: string;
  value?: number;
  onCommit: (n: number | undefined) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  const commit = () => {
    const t = text.trim();
    const n = t === '' ? undefined : Number(t);
    onCommit(n !== undefined && Number.isFinite(n) ? n : undefined);
  };
  return (
    <Input
      id={id}
      aria-label={label}
      width={12}
      inputMode="numeric"
      placeholder="default"
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={commit}
    />
  );
}
