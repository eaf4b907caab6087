import React, { useCallback, useState } from 'react';
import { Alert, Button, RadioButtonGroup, Stack } from '@grafana/ui';

import { BuilderParseResult, EditorMode, Format, QuarryQuery } from '../../types';
import { emptyModel } from './model';

/** BuilderParser is the part of the resource client the switch needs (/builder/parse). */
export interface BuilderParser {
  builderParse(rawSql: string, format?: Format): Promise<BuilderParseResult>;
}

/** Refusal is a Code → Builder switch the backend refused: why, and where in the SQL. */
export interface Refusal {
  reason: string;
  line?: number;
  column?: number;
}

export interface ModeSwitchState {
  mode: EditorMode;
  busy: boolean;
  refusal?: Refusal;
  switchTo: (mode: EditorMode) => Promise<void>;
  /** replace starts an empty builder query after a refusal: the SQL will be replaced once a table is picked. */
  replace: () => void;
  dismiss: () => void;
}

/**
 * useModeSwitch moves a query between Code and Builder without losing SQL:
 * Code → Builder asks the backend to read the SQL into the model and refuses
 * with the reason when it does not fit; Builder → Code keeps rawSql, which is
 * already the exact text the builder showed.
 */
export function useModeSwitch(
  query: QuarryQuery,
  parser: BuilderParser,
  onChange: (q: QuarryQuery) => void
): ModeSwitchState {
  const mode: EditorMode = query.editorMode ?? 'code';
  const [refusal, setRefusal] = useState<Refusal | undefined>();
  const [busy, setBusy] = useState(false);

  const switchTo = useCallback(
    async (next: EditorMode) => {
      if (next === mode) {
        return;
      }
      setRefusal(undefined);
      if (next === 'code') {
        onChange({ ...query, editorMode: 'code' });
        return;
      }
      const sql = query.rawSql ?? '';
      if (sql.trim() === '') {
        onChange({ ...query, editorMode: 'builder', builder: emptyModel(query.format) });
        return;
      }
      setBusy(true);
      try {
        const r = await parser.builderParse(sql, query.format);
        if (r.fits && r.model && r.sql !== undefined) {
          onChange({ ...query, editorMode: 'builder', builder: r.model, rawSql: r.sql });
        } else {
          setRefusal({ reason: r.reason ?? 'the query does not fit the builder', line: r.line, column: r.column });
        }
      } catch (err) {
        setRefusal({ reason: err instanceof Error ? err.message : String(err) });
      } finally {
        setBusy(false);
      }
    },
    [mode, query, parser, onChange]
  );

  const replace = useCallback(() => {
    setRefusal(undefined);
    onChange({ ...query, editorMode: 'builder', builder: emptyModel(query.format), rawSql: '' });
  }, [query, onChange]);

  return { mode, busy, refusal, switchTo, replace, dismiss: () => setRefusal(undefined) };
}

const MODES: Array<{ label: string; value: EditorMode; description: string }> = [
  { label: 'Builder', value: 'builder', description: 'Pick a table, columns, aggregates and filters' },
  { label: 'Code', value: 'code', description: 'Write SQL' },
];

/** ModeToggle is the Builder/Code radio of the editor header. */
export function ModeToggle({ state }: { state: ModeSwitchState }) {
  return (
    <div data-testid="quarry-mode-toggle">
      <RadioButtonGroup
        size="sm"
        options={MODES}
        value={state.mode}
        disabled={state.busy}
        onChange={(m) => void state.switchTo(m)}
      />
    </div>
  );
}

/** ModeRefusal says why the SQL cannot be shown in the builder, and offers to replace it. */
export function ModeRefusal({ state }: { state: ModeSwitchState }) {
  const r = state.refusal;
  if (!r) {
    return null;
  }
  const where = r.line ? ` (line ${r.line}, column ${r.column ?? 1})` : '';
  return (
    <Alert
      severity="info"
      title="This query stays in Code mode"
      onRemove={state.dismiss}
      data-testid="quarry-mode-refused"
    >
      <Stack direction="column" gap={1}>
        <div>
          The builder cannot show it: {r.reason}
          {where}. Your SQL is unchanged.
        </div>
        <div>
          <Button size="sm" variant="destructive" fill="outline" onClick={state.replace}>
            Start a builder query instead (replaces this SQL)
          </Button>
        </div>
      </Stack>
    </Alert>
  );
}
