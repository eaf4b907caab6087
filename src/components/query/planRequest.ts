import { DataQueryRequest, TimeRange } from '@grafana/data';

import { VariableValues } from '../../templateVars';
import { Format, PlanError, PlanRequest, PlanWarning, QuarryFilter, QuarryQuery } from '../../types';
import { EditorMarker } from './SqlEditor';

const DEFAULT_MAX_DATA_POINTS = 1000;

/** BUCKETS are the time-range buckets of the dry run, smallest first. */
const BUCKETS = [60_000, 300_000, 900_000, 3600_000, 6 * 3600_000, 86_400_000];

/**
 * bucketRange rounds a time range outwards to the largest bucket (1 minute
 * to 1 day) not above 1/100 of its span, so a refresh of a relative range
 * ("last 6 hours") does not change the dry run's request until the range has
 * moved by a bucket. A range already on bucket boundaries is unchanged.
 */
export function bucketRange(fromMs: number, toMs: number): { from: number; to: number } {
  const span = (toMs - fromMs) / 100;
  const bucket = BUCKETS.filter((b) => b <= span).pop() ?? BUCKETS[0];
  return { from: Math.floor(fromMs / bucket) * bucket, to: Math.ceil(toMs / bucket) * bucket };
}

/** buildPlanRequest is the /plan and /estimate body for the editor's current query. */
export function buildPlanRequest(
  rawSql: string,
  format: Format,
  range: TimeRange | undefined,
  request?: DataQueryRequest<QuarryQuery>,
  filters?: QuarryFilter[],
  variables?: VariableValues
): PlanRequest {
  const rawTo = range ? range.to.valueOf() : Date.now();
  const { from, to } = bucketRange(range ? range.from.valueOf() : rawTo - 6 * 3600_000, rawTo);
  const maxDataPoints = request?.maxDataPoints || DEFAULT_MAX_DATA_POINTS;
  const intervalMs = request?.intervalMs || Math.max(1000, Math.round((to - from) / maxDataPoints));
  return {
    rawSql,
    format,
    timeRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    intervalMs,
    maxDataPoints,
    timezone: request?.timezone,
    filters: filters && filters.length > 0 ? filters : undefined,
    variables: variables && Object.keys(variables).length > 0 ? variables : undefined,
  };
}

/** markersFrom turns a planner error and plan warnings into editor markers. */
export function markersFrom(error?: PlanError, warnings?: PlanWarning[] | null): EditorMarker[] {
  const out: EditorMarker[] = [];
  if (error?.line) {
    out.push({ severity: 'error', message: error.message, line: error.line, column: error.column ?? 1 });
  }
  for (const w of warnings ?? []) {
    if (w.line) {
      out.push({ severity: 'warning', message: `${w.code}: ${w.message}`, line: w.line, column: w.column ?? 1 });
    }
  }
  return out;
}
