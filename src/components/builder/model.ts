// Pure helpers of the builder: the model's defaults, the labels per engine and
// how a typed value becomes a model value. The SQL itself is written by the
// backend (/builder/sql), so the builder never assembles SQL text here.
import {
  BuilderAggregate,
  BuilderMode,
  BuilderModel,
  BuilderOp,
  BuilderValue,
  ColumnInfo,
  Engine,
  Format,
  QuarryOptions,
} from '../../types';

/** modeForFormat maps the query's format to the builder's mode. */
export function modeForFormat(format: Format | undefined): BuilderMode {
  if (format === 'logs') {
    return 'logs';
  }
  if (format && format.startsWith('time_series')) {
    return 'time_series';
  }
  return 'table';
}

/** emptyModel is the builder's starting point for a format: nothing picked yet. */
export function emptyModel(format: Format | undefined): BuilderModel {
  const mode = modeForFormat(format);
  const m: BuilderModel = { mode, table: { name: '' }, columns: [] };
  if (mode === 'time_series') {
    m.time = { column: '', interval: '$__interval' };
  }
  if (mode === 'logs') {
    m.limit = 1000;
  }
  return m;
}

/** datasetLabel names the level above a table per engine. */
export function datasetLabel(engine: Engine): string {
  switch (engine) {
    case 'bigquery':
      return 'Dataset';
    case 'clickhouse':
      return 'Database';
    default:
      return 'Schema';
  }
}

/**
 * bigQueryProjects are the builder's project choices on BigQuery: the data source's default project, then the
 * projects its allowedDatabases opens (the picker also takes a typed one). Other engines have none.
 */
export function bigQueryProjects(o: QuarryOptions | undefined): string[] {
  if (o?.engine !== 'bigquery') {
    return [];
  }
  const out: string[] = [];
  for (const p of [o.defaultProject, ...(o.allowedDatabases ?? [])]) {
    const t = p?.trim();
    if (t && !out.includes(t)) {
      out.push(t);
    }
  }
  return out;
}

export const AGGREGATES: Array<{ label: string; value: BuilderAggregate }> = [
  { label: '—', value: '' },
  { label: 'count', value: 'count' },
  { label: 'sum', value: 'sum' },
  { label: 'avg', value: 'avg' },
  { label: 'min', value: 'min' },
  { label: 'max', value: 'max' },
  { label: 'count distinct', value: 'count_distinct' },
];

export const OPERATORS: Array<{ label: string; value: BuilderOp }> = [
  { label: 'in time range', value: '$__timeFilter' },
  { label: '=', value: '=' },
  { label: '!=', value: '!=' },
  { label: '<', value: '<' },
  { label: '>', value: '>' },
  { label: '<=', value: '<=' },
  { label: '>=', value: '>=' },
  { label: 'IN', value: 'IN' },
  { label: 'NOT IN', value: 'NOT IN' },
  { label: 'LIKE', value: 'LIKE' },
  { label: 'NOT LIKE', value: 'NOT LIKE' },
  { label: 'IS NULL', value: 'IS NULL' },
  { label: 'IS NOT NULL', value: 'IS NOT NULL' },
];

/** valueArity says whether an operator takes no value, one, or a list. */
export function valueArity(op: BuilderOp): 'none' | 'one' | 'list' {
  switch (op) {
    case '$__timeFilter':
    case 'IS NULL':
    case 'IS NOT NULL':
      return 'none';
    case 'IN':
    case 'NOT IN':
      return 'list';
    default:
      return 'one';
  }
}

const NUMERIC_TYPE =
  /^(nullable\()?(u?int\d*|bigint|smallint|tinyint|integer|int|float\d*|double|real|decimal|numeric|number|hugeint|bignumeric)/i;

/** isNumericType tells number columns from the rest by the engine's type name. */
export function isNumericType(type: string | undefined): boolean {
  return NUMERIC_TYPE.test((type ?? '').trim());
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * toValue reads what the author typed: a template variable ($host, ${host:csv},
 * [[host]]) stays a variable; a number stays a number on a numeric column;
 * anything else is a string, quoted by the backend for the dialect.
 */
export function toValue(text: string, columnType?: string): BuilderValue {
  const t = text.trim();
  if (/^\$\{?[A-Za-z_]\w*(:[\w:]+)?\}?$/.test(t) || /^\[\[[A-Za-z_]\w*(:\w+)?\]\]$/.test(t)) {
    return { kind: 'variable', text: t };
  }
  if (NUMBER.test(t) && isNumericType(columnType)) {
    return { kind: 'number', text: t };
  }
  return { kind: 'string', text };
}

/** fromValue is the text an editor field shows for a value. */
export function fromValue(v: BuilderValue | undefined): string {
  return v?.text ?? '';
}

/** toValues splits a comma-separated list ("a, b, $host") into values. */
export function toValues(text: string, columnType?: string): BuilderValue[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => toValue(s, columnType));
}

/** fromValues joins values for the list field. */
export function fromValues(vs: BuilderValue[] | undefined): string {
  return (vs ?? []).map((v) => v.text).join(', ');
}

/** columnMarks describes a column for the pickers: its type and whether it is a partition or sort key. */
export function columnMarks(c: ColumnInfo): string {
  const marks = [c.type];
  if (c.partitionKey) {
    marks.push('partition key');
  }
  if (c.sortKey) {
    marks.push('sort key');
  }
  return marks.filter(Boolean).join(' · ');
}
