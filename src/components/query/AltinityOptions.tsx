import React from 'react';
import { InlineField, InlineFieldRow, Input, Select, InlineSwitch } from '@grafana/ui';

import { QuarryQuery } from '../../types';

/** The Altinity ClickHouse plugin's macros Quarry expands (pkg/sqlplan/stmtmacro). */
const ALTINITY_MACRO =
  /\$(table|dateCol|dateTimeCol|from|to|interval|timeFilter|timeFilterMs|timeFilterByColumn|timeFilter64ByColumn|timeSeries|timeSeriesMs|naturalTimeSeries|unescape|adhoc|conditionalTest|columns|columnsMs|rate|rateColumns|perSecond|perSecondColumns|delta|deltaColumns|increase|increaseColumns|rateColumnsAggregated|perSecondColumnsAggregated|deltaColumnsAggregated|increaseColumnsAggregated|lttb|lttbMs)\b/;

/** usesAltinityMacros reports whether the SQL holds an Altinity macro. */
export function usesAltinityMacros(sql: string | undefined): boolean {
  return !!sql && ALTINITY_MACRO.test(sql);
}

const DATE_TIME_TYPES = [
  'DATETIME',
  'DATETIME64',
  'TIMESTAMP',
  'TIMESTAMP64_3',
  'TIMESTAMP64_6',
  'TIMESTAMP64_9',
  'FLOAT',
].map((v) => ({ label: v, value: v }));

interface Props {
  query: QuarryQuery;
  onChange: (q: QuarryQuery) => void;
}

/** AltinityOptions edits the Altinity query model fields the macros read. */
export function AltinityOptions({ query, onChange }: Props) {
  const text = (
    key: 'database' | 'table' | 'dateTimeColDataType' | 'dateColDataType' | 'round',
    label: string,
    width = 20
  ) => (
    <InlineField label={label} labelWidth={14}>
      <Input
        width={width}
        aria-label={label}
        value={query[key] ?? ''}
        onChange={(e) => onChange({ ...query, [key]: e.currentTarget.value })}
      />
    </InlineField>
  );
  return (
    <div data-testid="quarry-altinity-options">
      <InlineFieldRow>
        {text('database', 'Database')}
        {text('table', 'Table')}
        {text('dateColDataType', 'Column:Date')}
        {text('dateTimeColDataType', 'Column:DateTime')}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="DateTime type" labelWidth={14}>
          <Select
            width={20}
            aria-label="DateTime type"
            options={DATE_TIME_TYPES}
            value={query.dateTimeType ?? 'DATETIME'}
            onChange={(v) => onChange({ ...query, dateTimeType: v.value })}
          />
        </InlineField>
        {text('round', 'Round', 10)}
        <InlineField label="Interval factor" labelWidth={14}>
          <Input
            width={8}
            type="number"
            aria-label="Interval factor"
            value={query.intervalFactor ?? 1}
            onChange={(e) => onChange({ ...query, intervalFactor: Number(e.currentTarget.value) || 1 })}
          />
        </InlineField>
        <InlineField label="Skip comments" labelWidth={14}>
          <InlineSwitch
            aria-label="Skip comments"
            value={query.skip_comments ?? false}
            onChange={(e) => onChange({ ...query, skip_comments: e.currentTarget.checked })}
          />
        </InlineField>
        <InlineField label="Extrapolate" labelWidth={14} tooltip="Read but not applied by Quarry">
          <InlineSwitch
            aria-label="Extrapolate"
            value={query.extrapolate ?? false}
            onChange={(e) => onChange({ ...query, extrapolate: e.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
    </div>
  );
}
