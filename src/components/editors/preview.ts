import { DataFrame, DataQueryResponse, dateTime, FieldType, TimeRange } from '@grafana/data';
import { lastValueFrom, Observable } from 'rxjs';

import { QuarryQuery } from '../../types';

/** PREVIEW_ROWS is how many values or annotations a preview shows. */
export const PREVIEW_ROWS = 10;

/** Runner runs queries as DataSource.query does (the preview goes through the backend like any query). */
export type Runner = (req: {
  targets: QuarryQuery[];
  range: TimeRange;
}) => Observable<DataQueryResponse> | Promise<DataQueryResponse>;

/** defaultRange is the last 6 hours, for a preview opened outside a dashboard. */
export function defaultRange(): TimeRange {
  const to = dateTime();
  const from = dateTime(to.valueOf() - 6 * 3600_000);
  return { from, to, raw: { from: 'now-6h', to: 'now' } };
}

/** runPreview runs one query and returns its frames, or throws the first error's message. */
export async function runPreview(run: Runner, query: QuarryQuery, range: TimeRange): Promise<DataFrame[]> {
  const out = run({ targets: [query], range });
  const res = out instanceof Observable ? await lastValueFrom(out) : await out;
  if (res.errors?.length) {
    throw new Error(res.errors[0].message ?? 'the query failed');
  }
  if (res.error) {
    throw new Error(res.error.message ?? 'the query failed');
  }
  return (res.data ?? []) as DataFrame[];
}

/** VariableValue is one (text, value) pair of a variable query. */
export interface VariableValue {
  text: string;
  value: string;
}

/** variableValues reads (text, value) pairs from the backend's variable frame (text, value columns, or one column). */
export function variableValues(frames: DataFrame[]): VariableValue[] {
  const f = frames[0];
  if (!f || f.fields.length === 0) {
    return [];
  }
  const text = f.fields.find((x) => x.name === 'text' || x.name === '__text') ?? f.fields[0];
  const value = f.fields.find((x) => x.name === 'value' || x.name === '__value') ?? text;
  const out: VariableValue[] = [];
  for (let i = 0; i < f.length; i++) {
    out.push({ text: String(text.values[i] ?? ''), value: String(value.values[i] ?? '') });
  }
  return out;
}

/** AnnotationRow is one annotation as the panel would draw it. */
export interface AnnotationRow {
  time?: number;
  timeEnd?: number;
  title?: string;
  text?: string;
  tags?: string[];
}

/** ANNOTATION_FIELDS are the annotation properties a column can be mapped to. */
export const ANNOTATION_FIELDS = ['time', 'timeEnd', 'title', 'text', 'tags'] as const;
export type AnnotationField = (typeof ANNOTATION_FIELDS)[number];

/**
 * annotationRows reads annotations from a frame: each property comes from
 * the column mapped to it, else from the column of that name.
 */
export function annotationRows(
  frames: DataFrame[],
  mapping: Partial<Record<AnnotationField, string>> = {}
): AnnotationRow[] {
  const f = frames[0];
  if (!f) {
    return [];
  }
  const field = (k: AnnotationField) => {
    const name = mapping[k] || k;
    return f.fields.find((x) => x.name === name) ?? f.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
  };
  const time = field('time') ?? f.fields.find((x) => x.type === FieldType.time);
  const timeEnd = field('timeEnd');
  const title = field('title');
  const text = field('text');
  const tags = field('tags');
  const rows: AnnotationRow[] = [];
  for (let i = 0; i < f.length; i++) {
    rows.push({
      time: toMillis(time?.values[i]),
      timeEnd: toMillis(timeEnd?.values[i]),
      title: title ? String(title.values[i] ?? '') : undefined,
      text: text ? String(text.values[i] ?? '') : undefined,
      tags: tags ? toTags(tags.values[i]) : undefined,
    });
  }
  return rows;
}

function toMillis(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') {
    return undefined;
  }
  if (typeof v === 'number') {
    return v;
  }
  const t = new Date(v as string).valueOf();
  return Number.isNaN(t) ? undefined : t;
}

function toTags(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.map(String);
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        return (JSON.parse(t) as unknown[]).map(String);
      } catch {
        // not JSON: split below
      }
    }
    return t
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  }
  return [];
}
