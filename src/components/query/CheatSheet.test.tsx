import { fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { plugin } from '../../module';
import { Engine } from '../../types';
import { CHEAT_MACROS, CheatSheet, EXAMPLES } from './CheatSheet';

// The examples' planning is tested on the backend (pkg/plugin/cheatsheet_test.go plans each one in its dialect).

const ENGINES: Engine[] = ['duckdb', 'postgres', 'clickhouse', 'bigquery'];

function renderSheet(engine: Engine, onClickExample = jest.fn()) {
  render(
    <CheatSheet datasource={{ engine } as never} query={{ refId: 'A', rawSql: '' }} onClickExample={onClickExample} />
  );
  return onClickExample;
}

describe('CheatSheet (Explore help)', () => {
  it('is the help registered with setQueryEditorHelp', () => {
    expect(plugin.components.QueryEditorHelp).toBe(CheatSheet);
  });

  it.each(ENGINES)("shows the macros and %s's example, and inserts the example on click", (engine) => {
    const onClick = renderSheet(engine);
    const sheet = screen.getByTestId('quarry-cheat-sheet');
    expect(within(sheet).getByRole('heading', { level: 2 })).toHaveTextContent(`(${engine})`);
    const rows = within(sheet).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(CHEAT_MACROS.length);
    rows.forEach((row, i) => {
      expect(row).toHaveTextContent(CHEAT_MACROS[i].macro);
      expect(row).toHaveTextContent(CHEAT_MACROS[i].example);
    });
    expect(sheet.querySelector('pre')?.textContent).toBe(EXAMPLES[engine]);
    fireEvent.click(within(sheet).getByRole('button', { name: 'Use this example' }));
    expect(onClick).toHaveBeenCalledWith({ refId: 'A', rawSql: EXAMPLES[engine], format: 'time_series' });
  });

  it('each engine has its own example in its own dialect', () => {
    expect(new Set(ENGINES.map((e) => EXAMPLES[e])).size).toBe(ENGINES.length);
    expect(EXAMPLES.bigquery).toMatch(/`[\w-]+\.[\w-]+\.[\w-]+`/); // BigQuery's backquoted project.dataset.table
    expect(EXAMPLES.clickhouse).toMatch(/count\(\)/); // ClickHouse's count()
    for (const e of ENGINES) {
      expect(EXAMPLES[e]).toMatch(/\$__timeFilter\(/);
      expect(EXAMPLES[e]).toMatch(/\$__timeGroup\(/);
    }
  });

  it('names the run shortcut and falls back to DuckDB without a data source engine', () => {
    render(
      <CheatSheet datasource={undefined as never} query={{ refId: 'A', rawSql: '' }} onClickExample={jest.fn()} />
    );
    expect(screen.getByTestId('quarry-cheat-sheet')).toHaveTextContent('Ctrl/Cmd+Enter runs the query');
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('(duckdb)');
  });
});
