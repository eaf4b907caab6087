import React from 'react';
import { QueryEditorHelpProps } from '@grafana/data';

import { Engine, QuarryQuery } from '../../types';
import cheatsheet from './cheatsheet.json';

/** CHEAT_MACROS are the macros the cheat sheet lists, with one example each (cheatsheet.json). */
export const CHEAT_MACROS: Array<{ macro: string; example: string; meaning: string }> = cheatsheet.macros;

/** EXAMPLES is one time-series query per engine (cheatsheet.json; the backend test plans each one). */
export const EXAMPLES: Record<Engine, string> = {
  duckdb: cheatsheet.examples.duckdb.sql,
  postgres: cheatsheet.examples.postgres.sql,
  clickhouse: cheatsheet.examples.clickhouse.sql,
  bigquery: cheatsheet.examples.bigquery.sql,
};

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
