import React, { useEffect, useState } from 'react';
import { SelectableValue } from '@grafana/data';
import { Select } from '@grafana/ui';

import { ColumnInfo, TableSchema } from '../../types';
import { columnMarks } from './model';

/** SchemaSource is what the pickers read: the /schema/* resources (ResourceClient has these methods). */
export interface SchemaSource {
  /** datasets of a BigQuery project ("" or none: the default project), or the engine's schemas/databases. */
  datasets(project?: string): Promise<string[]>;
  /** tables of a dataset; on BigQuery "project.dataset" names a dataset of another project. */
  tables(dataset: string): Promise<string[]>;
  columns(dataset: string, table: string): Promise<TableSchema>;
}

/** Loaded is the state of one schema listing. */
export interface Loaded<T> {
  value?: T;
  error?: string;
  loading: boolean;
}

/** useLoad runs load whenever key changes (an empty key loads nothing) and keeps the latest answer. */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: key !== '' });
  useEffect(() => {
    if (key === '') {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (err: unknown) => live && setState({ error: err instanceof Error ? err.message : String(err), loading: false })
    );
    return () => {
      live = false;
    };
    // load is keyed by key: a new function with the same key loads the same thing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}

function options(names: string[] | undefined, current: string): Array<SelectableValue<string>> {
  const list = (names ?? []).map((n) => ({ label: n, value: n }));
  if (current && !list.some((o) => o.value === current)) {
    list.unshift({ label: current, value: current });
  }
  return list;
}

interface NamePickerProps {
  label: string;
  value: string;
  names: Loaded<string[]>;
  onChange: (v: string) => void;
  placeholder?: string;
  clearable?: boolean;
  testId: string;
}

/** NamePicker picks one name (dataset or table) from a listing, keeping a current value the listing lacks. */
export function NamePicker({ label, value, names, onChange, placeholder, clearable, testId }: NamePickerProps) {
  return (
    <div data-testid={testId}>
      <Select
        aria-label={label}
        width={30}
        isLoading={names.loading}
        options={options(names.value, value)}
        value={value || null}
        placeholder={names.error ? `cannot list: ${names.error}` : (placeholder ?? `Choose ${label.toLowerCase()}`)}
        isClearable={clearable}
        allowCustomValue
        onChange={(v: SelectableValue<string> | null) => onChange(v?.value ?? '')}
      />
    </div>
  );
}

/** columnOptions lists columns with their type, and marks partition and sort keys. */
export function columnOptions(columns: ColumnInfo[] | undefined, extra: string[] = []): Array<SelectableValue<string>> {
  const list: Array<SelectableValue<string>> = extra.map((e) => ({ label: e, value: e }));
  for (const c of columns ?? []) {
    const keyMarks = [c.partitionKey ? 'P' : '', c.sortKey ? 'S' : ''].filter(Boolean).join(' ');
    list.push({ label: keyMarks ? `${c.name} [${keyMarks}]` : c.name, value: c.name, description: columnMarks(c) });
  }
  return list;
}

interface ColumnPickerProps {
  label: string;
  value: string;
  columns: Loaded<TableSchema>;
  onChange: (v: string) => void;
  /** extra are choices before the columns ("*"). */
  extra?: string[];
  clearable?: boolean;
  width?: number;
}

/** ColumnPicker picks a column of the chosen table; partition and sort keys are marked [P] and [S]. */
export function ColumnPicker({ label, value, columns, onChange, extra, clearable, width }: ColumnPickerProps) {
  const opts = columnOptions(columns.value?.columns, extra);
  if (value && !opts.some((o) => o.value === value)) {
    opts.unshift({ label: value, value });
  }
  return (
    <Select
      aria-label={label}
      width={width ?? 25}
      isLoading={columns.loading}
      options={opts}
      value={value || null}
      placeholder={columns.error ? `cannot list: ${columns.error}` : 'Choose column'}
      isClearable={clearable}
      allowCustomValue
      onChange={(v: SelectableValue<string> | null) => onChange(v?.value ?? '')}
    />
  );
}
