import { css } from '@emotion/css';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert,
  Button,
  IconButton,
  InlineField,
  InlineFieldRow,
  Input,
  MultiSelect,
  Select,
  useStyles2,
} from '@grafana/ui';

import { BuilderAggregate, BuilderModel, BuilderOp, Engine, Format } from '../../types';
import {
  AGGREGATES,
  OPERATORS,
  datasetLabel,
  fromValue,
  fromValues,
  modeForFormat,
  toValue,
  toValues,
  valueArity,
} from './model';
import { ColumnPicker, NamePicker, SchemaSource, columnOptions, useLoad } from './pickers';

export interface BuilderEditorProps {
  model: BuilderModel;
  format: Format;
  /** sql is the query's rawSql: the text the backend wrote for the model, shown as it will run. */
  sql: string;
  engine: Engine;
  schema: SchemaSource;
  /** projects are the BigQuery project choices (the default first); the Project picker shows on BigQuery only. */
  projects?: string[];
  /** writeSql asks the backend for the model's SQL (/builder/sql). */
  writeSql: (model: BuilderModel) => Promise<string>;
  onChange: (model: BuilderModel, sql: string) => void;
}

const FILLS: Array<SelectableValue<string>> = [
  { label: 'no fill', value: '' },
  { label: '0', value: '0' },
  { label: 'NULL', value: 'NULL' },
  { label: 'previous', value: 'previous' },
];

const LABEL = 14;

/**
 * BuilderEditor edits the builder model with schema pickers. Each edit asks the
 * backend for the model's SQL and stores it as rawSql, so what the builder shows,
 * what Code mode shows and what runs are one text.
 */
export function BuilderEditor({
  model,
  format,
  sql,
  engine,
  schema,
  projects,
  writeSql,
  onChange,
}: BuilderEditorProps) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<BuilderModel>(model);
  const [error, setError] = useState<string | undefined>();
  const seq = useRef(0);

  const edit = useCallback(
    (next: BuilderModel) => {
      const m = { ...next, mode: modeForFormat(format) };
      setDraft(m);
      const mine = ++seq.current;
      writeSql(m).then(
        (text) => {
          if (mine === seq.current) {
            setError(undefined);
            onChange(m, text);
          }
        },
        (err: unknown) => {
          if (mine === seq.current) {
            setError(err instanceof Error ? err.message : String(err));
            onChange(m, '');
          }
        }
      );
    },
    [format, writeSql, onChange]
  );

  // A new format may change the mode (a time series needs a time group): write the SQL again.
  const lastFormat = useRef(format);
  useEffect(() => {
    if (lastFormat.current !== format) {
      lastFormat.current = format;
      edit(draft);
    }
  }, [format, draft, edit]);

  const bigquery = engine === 'bigquery';
  const project = bigquery ? (draft.table.project ?? '') : '';
  const dataset = draft.table.dataset ?? '';
  // The listings name another project's dataset "project.dataset" (the /schema/* resources on BigQuery).
  const qualified = project && dataset ? `${project}.${dataset}` : dataset;
  const datasets = useLoad(`datasets/${project}`, () => schema.datasets(project || undefined));
  const tables = useLoad(project && !dataset ? '' : `tables/${qualified}`, () => schema.tables(qualified));
  const columns = useLoad(draft.table.name ? `${qualified}/${draft.table.name}` : '', () =>
    schema.columns(qualified, draft.table.name)
  );
  const typeOf = (name: string) => columns.value?.columns.find((c) => c.name === name)?.type;

  const set = (patch: Partial<BuilderModel>) => edit({ ...draft, ...patch });
  const filters = draft.filters ?? [];
  const orderBy = draft.orderBy ?? [];

  return (
    <div className={styles.root} data-testid="quarry-builder">
      <InlineFieldRow>
        {bigquery && (
          <InlineField
            label="Project"
            labelWidth={LABEL}
            tooltip="The project of the table (default: the data source's)"
          >
            <NamePicker
              label="Project"
              testId="quarry-builder-project"
              value={project}
              names={{ value: projects ?? [], loading: false }}
              clearable
              placeholder={projects?.[0] ? `default (${projects[0]})` : 'default'}
              onChange={(v) =>
                set({ table: { ...draft.table, project: v || undefined, dataset: undefined, name: '' } })
              }
            />
          </InlineField>
        )}
        <InlineField label={datasetLabel(engine)} labelWidth={LABEL}>
          <NamePicker
            label={datasetLabel(engine)}
            testId="quarry-builder-dataset"
            value={dataset}
            names={datasets}
            clearable
            placeholder="default"
            onChange={(v) => set({ table: { ...draft.table, dataset: v || undefined, name: '' } })}
          />
        </InlineField>
        <InlineField label="Table" labelWidth={LABEL}>
          <NamePicker
            label="Table"
            testId="quarry-builder-table"
            value={draft.table.name}
            names={tables}
            onChange={(v) => set({ table: { ...draft.table, name: v } })}
          />
        </InlineField>
      </InlineFieldRow>

      <InlineFieldRow>
        <InlineField label="Time group" labelWidth={LABEL} tooltip="$__timeGroupAlias(column, interval, fill)">
          <ColumnPicker
            label="Time column"
            value={draft.time?.column ?? ''}
            columns={columns}
            clearable
            onChange={(v) => set({ time: v ? { interval: '$__interval', ...draft.time, column: v } : undefined })}
          />
        </InlineField>
        {draft.time && (
          <>
            <InlineField label="Interval" labelWidth={LABEL}>
              <Input
                aria-label="Interval"
                width={16}
                defaultValue={draft.time.interval}
                onBlur={(e) => draft.time && set({ time: { ...draft.time, interval: e.currentTarget.value.trim() } })}
              />
            </InlineField>
            <InlineField label="Fill" labelWidth={LABEL}>
              <Select
                aria-label="Fill"
                width={14}
                options={FILLS}
                value={draft.time.fill ?? ''}
                onChange={(v) => draft.time && set({ time: { ...draft.time, fill: v.value || undefined } })}
              />
            </InlineField>
          </>
        )}
      </InlineFieldRow>

      {draft.columns.map((c, i) => (
        <InlineFieldRow key={`col-${i}`}>
          <InlineField label={i === 0 ? 'Columns' : ''} labelWidth={LABEL}>
            <Select
              aria-label={`Aggregate ${i + 1}`}
              width={18}
              options={AGGREGATES}
              value={c.aggregate ?? ''}
              onChange={(v: SelectableValue<BuilderAggregate>) =>
                set({ columns: replace(draft.columns, i, { ...c, aggregate: v.value || undefined }) })
              }
            />
          </InlineField>
          <ColumnPicker
            label={`Column ${i + 1}`}
            value={c.name}
            columns={columns}
            extra={['*']}
            onChange={(v) => set({ columns: replace(draft.columns, i, { ...c, name: v }) })}
          />
          <Input
            aria-label={`Alias ${i + 1}`}
            width={16}
            placeholder="alias"
            defaultValue={c.alias ?? ''}
            onBlur={(e) =>
              set({ columns: replace(draft.columns, i, { ...c, alias: e.currentTarget.value.trim() || undefined }) })
            }
          />
          <IconButton
            name="trash-alt"
            aria-label={`Remove column ${i + 1}`}
            tooltip="Remove column"
            onClick={() => set({ columns: draft.columns.filter((_, j) => j !== i) })}
          />
        </InlineFieldRow>
      ))}
      <InlineFieldRow>
        <InlineField label={draft.columns.length === 0 ? 'Columns' : ''} labelWidth={LABEL}>
          <Button
            size="sm"
            variant="secondary"
            icon="plus"
            onClick={() =>
              set({ columns: [...draft.columns, { name: '*', aggregate: draft.time ? 'count' : undefined }] })
            }
          >
            Column
          </Button>
        </InlineField>
      </InlineFieldRow>

      {filters.map((f, i) => {
        const arity = valueArity(f.op);
        return (
          <InlineFieldRow key={`filter-${i}`}>
            <InlineField label={i === 0 ? 'Filters' : 'AND'} labelWidth={LABEL}>
              <ColumnPicker
                label={`Filter column ${i + 1}`}
                value={f.column}
                columns={columns}
                onChange={(v) => set({ filters: replace(filters, i, { ...f, column: v }) })}
              />
            </InlineField>
            <Select
              aria-label={`Operator ${i + 1}`}
              width={18}
              options={OPERATORS}
              value={f.op}
              onChange={(v: SelectableValue<BuilderOp>) => {
                const op = v.value ?? '=';
                const a = valueArity(op);
                set({
                  filters: replace(filters, i, {
                    column: f.column,
                    op,
                    value: a === 'one' ? (f.value ?? f.values?.[0] ?? { kind: 'string', text: '' }) : undefined,
                    values: a === 'list' ? (f.values ?? (f.value ? [f.value] : [])) : undefined,
                  }),
                });
              }}
            />
            {arity !== 'none' && (
              <Input
                aria-label={`Value ${i + 1}`}
                width={30}
                placeholder={arity === 'list' ? 'a, b, $variable' : 'value or $variable'}
                defaultValue={arity === 'list' ? fromValues(f.values) : fromValue(f.value)}
                onBlur={(e) => {
                  const text = e.currentTarget.value;
                  const t = typeOf(f.column);
                  set({
                    filters: replace(
                      filters,
                      i,
                      arity === 'list' ? { ...f, values: toValues(text, t) } : { ...f, value: toValue(text, t) }
                    ),
                  });
                }}
              />
            )}
            <IconButton
              name="trash-alt"
              aria-label={`Remove filter ${i + 1}`}
              tooltip="Remove filter"
              onClick={() => set({ filters: filters.filter((_, j) => j !== i) })}
            />
          </InlineFieldRow>
        );
      })}
      <InlineFieldRow>
        <InlineField label={filters.length === 0 ? 'Filters' : ''} labelWidth={LABEL}>
          <Button
            size="sm"
            variant="secondary"
            icon="plus"
            onClick={() =>
              set({
                filters: [
                  ...filters,
                  draft.time && !filters.some((f) => f.op === '$__timeFilter')
                    ? { column: draft.time.column, op: '$__timeFilter' }
                    : { column: '', op: '=', value: { kind: 'string', text: '' } },
                ],
              })
            }
          >
            Filter
          </Button>
        </InlineField>
      </InlineFieldRow>

      <InlineFieldRow>
        <InlineField
          label="Group by"
          labelWidth={LABEL}
          tooltip={draft.time ? 'The time group comes first.' : undefined}
        >
          <MultiSelect
            aria-label="Group by"
            width={50}
            options={columnOptions(columns.value?.columns)}
            value={draft.groupBy ?? []}
            onChange={(vs: Array<SelectableValue<string>>) =>
              set({ groupBy: vs.map((v) => v.value ?? '').filter(Boolean) })
            }
          />
        </InlineField>
      </InlineFieldRow>

      {orderBy.map((o, i) => (
        <InlineFieldRow key={`order-${i}`}>
          <InlineField label={i === 0 ? 'Order by' : ''} labelWidth={LABEL}>
            <ColumnPicker
              label={`Order column ${i + 1}`}
              value={o.time ? 'time group' : (o.column ?? '')}
              columns={columns}
              extra={draft.time ? ['time group', '*'] : ['*']}
              onChange={(v) =>
                set({
                  orderBy: replace(
                    orderBy,
                    i,
                    v === 'time group' ? { time: true, desc: o.desc } : { ...o, time: undefined, column: v }
                  ),
                })
              }
            />
          </InlineField>
          {!o.time && (
            <Select
              aria-label={`Order aggregate ${i + 1}`}
              width={18}
              options={AGGREGATES}
              value={o.aggregate ?? ''}
              onChange={(v: SelectableValue<BuilderAggregate>) =>
                set({ orderBy: replace(orderBy, i, { ...o, aggregate: v.value || undefined }) })
              }
            />
          )}
          <Select
            aria-label={`Direction ${i + 1}`}
            width={12}
            options={[
              { label: 'ASC', value: 'ASC' },
              { label: 'DESC', value: 'DESC' },
            ]}
            value={o.desc ? 'DESC' : 'ASC'}
            onChange={(v: SelectableValue<string>) =>
              set({ orderBy: replace(orderBy, i, { ...o, desc: v.value === 'DESC' || undefined }) })
            }
          />
          <IconButton
            name="trash-alt"
            aria-label={`Remove order ${i + 1}`}
            tooltip="Remove order"
            onClick={() => set({ orderBy: orderBy.filter((_, j) => j !== i) })}
          />
        </InlineFieldRow>
      ))}
      <InlineFieldRow>
        <InlineField label={orderBy.length === 0 ? 'Order by' : ''} labelWidth={LABEL}>
          <Button
            size="sm"
            variant="secondary"
            icon="plus"
            onClick={() =>
              set({ orderBy: [...orderBy, draft.time ? { time: true } : { column: draft.columns[0]?.name ?? '' }] })
            }
          >
            Order
          </Button>
        </InlineField>
        <InlineField label="Limit" labelWidth={LABEL}>
          <Input
            aria-label="Limit"
            type="number"
            width={12}
            min={0}
            defaultValue={draft.limit ?? ''}
            onBlur={(e) => {
              const n = e.currentTarget.value.trim();
              set({ limit: n === '' ? undefined : Math.max(0, Math.floor(Number(n))) });
            }}
          />
        </InlineField>
      </InlineFieldRow>

      {error ? (
        <Alert severity="warning" title="The builder cannot write SQL yet" data-testid="quarry-builder-error">
          {error}
        </Alert>
      ) : (
        <pre className={styles.sql} data-testid="quarry-builder-sql">
          {sql}
        </pre>
      )}
    </div>
  );
}

function replace<T>(list: T[], i: number, item: T): T[] {
  return list.map((x, j) => (j === i ? item : x));
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  sql: css({
    margin: 0,
    padding: theme.spacing(1),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.secondary,
    whiteSpace: 'pre-wrap',
  }),
});
