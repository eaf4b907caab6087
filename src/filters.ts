import { AdHocVariableFilter } from '@grafana/data';

import { QuarryFilter } from './types';

const OPERATORS = new Set(['=', '!=', '<', '>', '<=', '>=', '=~', '!~', '=|', '!=|']);

/** toFilters maps Grafana's ad hoc filters to the planner's filters (dropping unusable ones). */
export function toFilters(filters?: AdHocVariableFilter[]): QuarryFilter[] {
  return (filters ?? [])
    .filter((f) => f.key && OPERATORS.has(f.operator))
    .map((f) => {
      if (f.operator === '=|' || f.operator === '!=|') {
        return { key: f.key, operator: f.operator, values: f.values ?? (f.value ? [f.value] : []) };
      }
      return { key: f.key, operator: f.operator, value: f.value };
    });
}
