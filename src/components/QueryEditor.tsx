import { css } from '@emotion/css';
import React, { useCallback, useMemo, useState } from 'react';
import { DataQueryRequest, GrafanaTheme2, QueryEditorProps } from '@grafana/data';
import { Button, InlineField, Select, Stack, useStyles2 } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { toFilters } from '../filters';
import { dashboardVariableNames, dashboardVariableValues } from '../templateVars';
import { Estimate, Format, Plan, QuarryOptions, QuarryQuery } from '../types';
import { BuilderEditor } from './builder/BuilderEditor';
import { emptyModel } from './builder/model';
import { ModeRefusal, ModeToggle, useModeSwitch } from './builder/ModeSwitch';
import { BudgetWarning, CostBadge } from './query/CostBadge';
import { PlanView } from './query/PlanView';
import { buildPlanRequest, markersFrom } from './query/planRequest';
import { QueryOptions } from './query/QueryOptions';
import { SqlEditor } from './query/SqlEditor';
import { useDryRun } from './query/useDryRun';
import { AltinityOptions, usesAltinityMacros } from './query/AltinityOptions';

export type Props = QueryEditorProps<DataSource, QuarryQuery, QuarryOptions>;

export const FORMAT_OPTIONS: Array<{ label: string; value: Format; description: string }> = [
  {
    label: 'Auto',
    value: 'auto',
    description: 'Time series when the result has a time and a numeric column, else table',
  },
  { label: 'Table', value: 'table', description: 'Rows as they come' },
  { label: 'Time series', value: 'time_series', description: 'Wide: one time column, one column per series' },
  { label: 'Long', value: 'time_series_long', description: 'Long: time, labels, values; pivoted per series' },
  { label: 'Multi', value: 'time_series_multi', description: 'One frame per series' },
  { label: 'Logs', value: 'logs', description: 'Time, level, message and labels for the logs panel' },
];

/** DEBOUNCE_MS is the pause in typing after which the dry run starts. */
export const DEBOUNCE_MS = 500;

/**
 * QueryEditor is the SQL editor with the format picker, per-query options,
 * cost badge, plan view, error markers and Run.
 */
export function QueryEditor(props: Props) {
  const { datasource, query, onChange, onRunQuery, range, data } = props;
  const request = data?.request as DataQueryRequest<QuarryQuery> | undefined;
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.root} data-testid="quarry-query-editor">
      <Stack direction="row" alignItems="center" justifyContent="space-between" wrap="wrap" gap={1}>
        <InlineField
          label="Format"
          tooltip={FORMAT_OPTIONS.find((o) => o.value === (query.format ?? 'table'))?.description}
        >
          <Select
            inputId="quarry-format-select"
            aria-label="Format"
            width={18}
            options={FORMAT_OPTIONS}
            value={query.format ?? 'table'}
            onChange={(v) => v.value && onChange({ ...query, format: v.value })}
          />
        </InlineField>
        <QueryOptions query={query} engine={datasource.engine} onChange={onChange} />
      </Stack>
      <PlannedSqlEditor
        datasource={datasource}
        query={query}
        onChange={onChange}
        onRunQuery={onRunQuery}
        range={range}
        request={request}
        builder
      />
    </div>
  );
}

export interface PlannedProps {
  datasource: DataSource;
  query: QuarryQuery;
  onChange: (q: QuarryQuery) => void;
  onRunQuery?: () => void;
  range?: Props['range'];
  request?: DataQueryRequest<QuarryQuery>;
  /** Initial editor height in pixels. */
  height?: number;
  /** builder offers the Builder/Code toggle (the panel query editor; not the variable and annotation editors). */
  builder?: boolean;
}

/**
 * PlannedSqlEditor is the SQL editor with what the planner says about it: the
 * cost badge, budget warning, planner markers and the plan view. The query,
 * variable and annotation editors share it. The dry run fires only when the
 * SQL, format, time-range bucket or variables change; a new change aborts the
 * request in flight.
 */
export function PlannedSqlEditor({
  datasource,
  query,
  onChange,
  onRunQuery,
  range,
  request,
  height,
  builder,
}: PlannedProps) {
  const [showPlan, setShowPlan] = useState(false);
  const format: Format = query.format ?? 'table';
  const rawSql = query.rawSql ?? '';
  const variables = dashboardVariableValues();
  const variablesKey = JSON.stringify(variables);
  const filtersKey = JSON.stringify(toFilters(request?.filters));
  const maxDataPoints = request?.maxDataPoints;
  const intervalMs = request?.intervalMs;
  const timezone = request?.timezone;

  const requestKey = useMemo(() => {
    if (!rawSql.trim()) {
      return '';
    }
    const sql = datasource.interpolateSql(rawSql);
    const req = buildPlanRequest(
      sql,
      format,
      range,
      { maxDataPoints, intervalMs, timezone } as DataQueryRequest<QuarryQuery>,
      JSON.parse(filtersKey),
      JSON.parse(variablesKey)
    );
    return JSON.stringify({ ...req, maxRows: query.maxRows, fill: query.fill });
  }, [
    datasource,
    rawSql,
    format,
    range,
    maxDataPoints,
    intervalMs,
    timezone,
    filtersKey,
    variablesKey,
    query.maxRows,
    query.fill,
  ]);

  const estimate = useDryRun<Estimate>(
    requestKey,
    useCallback(
      (key: string, signal: AbortSignal) => datasource.resources.estimate(JSON.parse(key), signal),
      [datasource]
    ),
    DEBOUNCE_MS
  );
  const plan = useDryRun<Plan>(
    showPlan ? requestKey : '',
    useCallback((key: string, signal: AbortSignal) => datasource.resources.plan(JSON.parse(key), signal), [datasource]),
    DEBOUNCE_MS
  );

  const markers = useMemo(() => {
    const error = plan.state === 'error' ? plan.error : estimate.state === 'error' ? estimate.error : undefined;
    const warnings =
      plan.state === 'done'
        ? plan.value.warnings
        : estimate.state === 'done'
          ? estimate.value.plan?.warnings
          : undefined;
    return markersFrom(error, warnings);
  }, [plan, estimate]);

  const setSql = useCallback(
    (sql: string) => {
      if (sql !== (query.rawSql ?? '')) {
        onChange({ ...query, rawSql: sql });
      }
    },
    [onChange, query]
  );

  // Builder/Code modes (src/components/builder): both edit rawSql, so the cost badge and plan follow either.
  const modeSwitch = useModeSwitch(query, datasource.resources, onChange);
  const writeSql = useCallback(
    (m: NonNullable<QuarryQuery['builder']>) => datasource.resources.builderSql(m),
    [datasource]
  );
  const onBuilderChange = useCallback(
    (builder: NonNullable<QuarryQuery['builder']>, sql: string) => onChange({ ...query, builder, rawSql: sql }),
    [onChange, query]
  );

  return (
    <>
      <Stack direction="row" alignItems="center" justifyContent="space-between" wrap="wrap" gap={1}>
        <Stack direction="row" alignItems="center" gap={1}>
          {builder && <ModeToggle state={modeSwitch} />}
          <CostBadge dryRun={estimate} />
        </Stack>
        <Stack direction="row" gap={1}>
          <Button
            size="sm"
            variant="secondary"
            icon={showPlan ? 'angle-down' : 'angle-right'}
            onClick={() => setShowPlan(!showPlan)}
            data-testid="quarry-plan-toggle"
          >
            Plan
          </Button>
          {onRunQuery && (
            <Button size="sm" icon="play" onClick={onRunQuery} data-testid="quarry-run">
              Run query
            </Button>
          )}
        </Stack>
      </Stack>
      <BudgetWarning dryRun={estimate} />
      {usesAltinityMacros(rawSql) && <AltinityOptions query={query} onChange={onChange} />}
      {builder && <ModeRefusal state={modeSwitch} />}
      {builder && modeSwitch.mode === 'builder' ? (
        <BuilderEditor
          model={query.builder ?? emptyModel(format)}
          format={format}
          sql={rawSql}
          engine={datasource.engine}
          schema={datasource.resources}
          projects={datasource.projects}
          writeSql={writeSql}
          onChange={onBuilderChange}
        />
      ) : (
        <SqlEditor
          value={rawSql}
          engine={datasource.engine}
          resources={datasource.resources}
          onChange={setSql}
          onRun={onRunQuery}
          markers={markers}
          height={height}
          variables={dashboardVariableNames}
        />
      )}
      {showPlan && <PlanView dryRun={plan} />}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
