import React from 'react';
import { QueryEditorHelpProps } from '@grafana/data';

import { Engine, QuarryQuery } from '../../types';

/** Example per engine: a time series with the macros that matter most. */
const EXAMPLES: Record<Engine, string> = {
  duckdb:
    "SELECT $__timeGroup(ts, '5m') AS time, service, sum(requests) AS requests\nFROM sample.http_requests\nWHERE $__timeFilter(ts) AND service IN (${service})\nGROUP BY 1, 2\nORDER BY 1",
  postgres:
    'SELECT $__timeGroup(ts, $__interval, 0) AS time, host, avg(cpu) AS cpu\nFROM metrics\nWHERE $__timeFilter(ts) AND $__conditionalAll(host IN ($host), $host)\nGROUP BY 1, 2\nORDER BY 1',
  clickhouse:
    "SELECT $__timeGroup(ts, '1m') AS time, count() AS hits\nFROM logs\nWHERE $__timeFilter(ts)\nGROUP BY time\nORDER BY time",
  bigquery:
    "SELECT $__timeGroup(ts, '1h') AS time, COUNT(*) AS events\nFROM `project.dataset.events`\nWHERE $__timeFilter(ts)\nGROUP BY 1\nORDER BY 1",
};

/** MACROS are the macros the cheat sheet lists, with one example each. */
export const CHEAT_MACROS: Array<{ macro: string; example: string; meaning: string }> = [
  {
    macro: '$__timeFilter(col)',
    example: 'WHERE $__timeFilter(ts)',
    meaning: 'col within the dashboard range (partition-pruning form per engine)',
  },
  {
    macro: '$__timeGroup(col, interval[, fill])',
    example: "$__timeGroup(ts, '5m', 0) AS time",
    meaning: 'bucket start; fill 0, NULL or previous fills missing buckets',
  },
  {
    macro: '$__interval, $__interval_ms',
    example: '$__timeGroup(ts, $__interval)',
    meaning: "Grafana's interval for the panel width",
  },
  {
    macro: '$__timeFrom(), $__timeTo()',
    example: 'ts >= $__timeFrom()',
    meaning: 'range bounds as timestamp literals',
  },
  {
    macro: '$__unixEpochFrom(), $__unixEpochTo()',
    example: 'epoch_s >= $__unixEpochFrom()',
    meaning: 'range bounds in epoch seconds',
  },
  {
    macro: '$__conditionalAll(cond, $var)',
    example: '$__conditionalAll(host IN ($host), $host)',
    meaning: 'cond, or TRUE when All is selected',
  },
  {
    macro: '${var}, $var, [[var]]',
    example: 'service IN (${service})',
    meaning: 'dashboard variables, quoted for the dialect',
  },
];

/** CheatSheet is the Explore help (setQueryEditorHelp): macros with examples and one query for the engine. */
export function CheatSheet(props: QueryEditorHelpProps<QuarryQuery> & { engine?: Engine }) {
  const engine = props.engine ?? (props.datasource as { engine?: Engine } | undefined)?.engine ?? 'duckdb';
  const example = EXAMPLES[engine] ?? EXAMPLES.duckdb;
  return (
    <div data-testid="quarry-cheat-sheet">
      <h2>Quarry cheat sheet ({engine})</h2>
      <p>Ctrl/Cmd+Enter runs the query. Macros are expanded by the backend planner, so alerts see the same SQL.</p>
      <table>
        <thead>
          <tr>
            <th>Macro</th>
            <th>Example</th>
            <th>Meaning</th>
          </tr>
        </thead>
        <tbody>
          {CHEAT_MACROS.map((m) => (
            <tr key={m.macro}>
              <td>
                <code>{m.macro}</code>
              </td>
              <td>
                <code>{m.example}</code>
              </td>
              <td>{m.meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Example</h3>
      <pre>{example}</pre>
      <button
        type="button"
        onClick={() => props.onClickExample({ refId: 'A', rawSql: example, format: 'time_series' })}
      >
        Use this example
      </button>
    </div>
  );
}
