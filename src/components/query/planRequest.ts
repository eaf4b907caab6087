import { DataQueryRequest, TimeRange } from '@grafana/data';

import { Format, PlanError, PlanRequest, PlanWarning, QuarryFilter, QuarryQuery } from '../../types';
import { EditorMarker } from './SqlEditor';

const DEFAULT_MAX_DATA_POINTS = 1000;

/** buildPlanRequest is the /plan and /estimate body for the editor's current query. */
export function buildPlanRequest(
  rawSql: string,
  format: Format,
  range: TimeRange | undefined,
  request?: DataQueryRequest<QuarryQuery>,
  filters?: QuarryFilter[]
): PlanRequest {
  const to = range ? range.to.valueOf() : Date.now();
  const from = range ? range.from.valueOf() : to - 6 * 3600_000;
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
