import { getTemplateSrv } from '@grafana/runtime';

/** VariableValues are the dashboard's current values: {"name": value | [values]} (the planner's `variables`). */
export type VariableValues = Record<string, string | string[]>;

interface VariableLike {
  name: string;
  current?: { value?: unknown };
}

function variables(): VariableLike[] {
  try {
    return getTemplateSrv().getVariables() as unknown as VariableLike[];
  } catch {
    // No template service (a unit test without Grafana): no variables.
    return [];
  }
}

/** dashboardVariableNames names the dashboard's variables for completion. */
export function dashboardVariableNames(): string[] {
  return variables().map((v) => v.name);
}

/** dashboardVariableValues reads each variable's current value (text or a list of texts). */
export function dashboardVariableValues(): VariableValues {
  const out: VariableValues = {};
  for (const v of variables()) {
    const value = v.current?.value;
    if (Array.isArray(value)) {
      out[v.name] = value.map(String);
    } else if (value !== undefined && value !== null) {
      out[v.name] = String(value);
    }
  }
  return out;
}
