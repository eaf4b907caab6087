import { css } from '@emotion/css';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, CodeEditor, Stack, useStyles2 } from '@grafana/ui';
import type * as monacoType from 'monaco-editor';

import { ResourceClient } from '../../api';
import { Engine } from '../../types';
import { analyze, Suggestion } from './completion';
import { formatSql } from './format';
import { languageId, registerLanguage } from './language';
import { suggestionsFor } from './schemaSuggestions';

type Monaco = typeof monacoType;
type Editor = monacoType.editor.IStandaloneCodeEditor;

/** EditorMarker is an error or warning at a 1-based line and column. */
export interface EditorMarker {
  severity: 'error' | 'warning';
  message: string;
  line: number;
  column: number;
}

interface Props {
  value: string;
  engine: Engine;
  resources: ResourceClient;
  onChange: (sql: string) => void;
  /** onRun runs the query (the Run button and Ctrl/Cmd+Enter). */
  onRun?: () => void;
  markers?: EditorMarker[];
  /** Initial height in pixels; the user can drag the bottom edge or expand to the full text. */
  height?: number;
  /** variables names the dashboard's variables for completion. */
  variables?: () => string[];
}

const MIN_HEIGHT = 80;
const LINE_PADDING = 12;

const KIND: Record<Suggestion['kind'], keyof typeof monacoType.languages.CompletionItemKind> = {
  macro: 'Function',
  dataset: 'Module',
  table: 'Class',
  column: 'Field',
  function: 'Method',
  keyword: 'Keyword',
  variable: 'Variable',
};

/** isMac says whether the run shortcut is Cmd (macOS) rather than Ctrl. */
export function runShortcutLabel(platform = typeof navigator === 'undefined' ? '' : navigator.platform): string {
  return /Mac|iPhone|iPad/.test(platform) ? '⌘+Enter' : 'Ctrl+Enter';
}

/** provideCompletion is the completion provider's body, apart from Monaco for unit tests. */
export async function provideCompletion(
  text: string,
  offset: number,
  sources: { resources: ResourceClient; engine: Engine; variables?: () => string[] }
): Promise<{ prefix: string; items: Suggestion[] }> {
  const ctx = analyze(text, offset);
  const items = await suggestionsFor(ctx, {
    api: sources.resources,
    engine: sources.engine,
    variables: sources.variables,
  }).catch(() => []);
  return { prefix: ctx.prefix, items };
}

/**
 * SqlEditor is Monaco with the dialect's highlighting; completion of macros,
 * variables, schema, functions and keywords; planner markers; Format;
 * Ctrl/Cmd+Enter to run; a resizable height with an expand toggle.
 */
export function SqlEditor({ value, engine, resources, onChange, onRun, markers, height = 200, variables }: Props) {
  const styles = useStyles2(getStyles);
  const editorRef = useRef<Editor | null>(null);
  const monacoRef = useRef<Monaco | null>(null);
  const disposables = useRef<monacoType.IDisposable[]>([]);
  const latest = useRef({ onChange, onRun, resources, markers, variables });
  latest.current = { onChange, onRun, resources, markers, variables };
  const [size, setSize] = useState(height);
  const [expanded, setExpanded] = useState(false);
  const [contentHeight, setContentHeight] = useState(height);
  const [formatError, setFormatError] = useState<string | undefined>();

  const beforeMount = useCallback(
    (monaco: Monaco) => {
      registerLanguage(monaco, engine);
    },
    [engine]
  );

  const didMount = useCallback(
    (editor: Editor, monaco: Monaco) => {
      editorRef.current = editor;
      monacoRef.current = monaco;
      registerLanguage(monaco, engine);
      const model = editor.getModel();
      if (model) {
        monaco.editor.setModelLanguage(model, languageId(engine));
        // Markers computed before Monaco finished loading.
        applyMarkers(monaco, model, latest.current.markers);
      }
      setContentHeight(editor.getContentHeight());
      disposables.current.push(editor.onDidContentSizeChange((e) => setContentHeight(e.contentHeight)));
      disposables.current.push(
        monaco.languages.registerCompletionItemProvider(languageId(engine), {
          triggerCharacters: ['$', '.', '{'],
          provideCompletionItems: async (m, position) => {
            if (m.id !== editor.getModel()?.id) {
              return { suggestions: [] };
            }
            const offset = m.getOffsetAt(position);
            const { prefix, items } = await provideCompletion(m.getValue(), offset, {
              resources: latest.current.resources,
              engine,
              variables: latest.current.variables,
            });
            const start = m.getPositionAt(offset - prefix.length);
            const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
            return {
              suggestions: items.map((s, i) => ({
                label: s.label,
                kind: monaco.languages.CompletionItemKind[KIND[s.kind]],
                insertText: s.insertText,
                insertTextRules: s.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
                detail: s.detail,
                documentation: s.documentation ? { value: s.documentation } : undefined,
                sortText: String(i).padStart(4, '0'),
                range,
              })),
            };
          },
        })
      );
      editor.addAction({
        id: 'quarry-run-query',
        label: 'Run query',
        keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
        run: (ed) => {
          latest.current.onChange(ed.getValue());
          latest.current.onRun?.();
        },
      });
    },
    [engine]
  );

  useEffect(
    () => () => {
      disposables.current.forEach((d) => d.dispose());
      disposables.current = [];
    },
    []
  );

  useEffect(() => {
    const editor = editorRef.current;
    const monaco = monacoRef.current;
    const model = editor?.getModel();
    if (!editor || !monaco || !model) {
      return;
    }
    applyMarkers(monaco, model, markers);
  }, [markers]);

  const format = () => {
    const current = editorRef.current?.getValue() ?? value;
    try {
      const formatted = formatSql(current, engine);
      setFormatError(undefined);
      if (formatted !== current) {
        const editor = editorRef.current;
        const model = editor?.getModel();
        if (editor && model) {
          // An edit (not setValue) so Ctrl+Z undoes the formatting.
          editor.executeEdits('quarry-format', [{ range: model.getFullModelRange(), text: formatted }]);
        }
        latest.current.onChange(formatted);
      }
    } catch (err) {
      setFormatError(`Not formatted: ${(err as Error).message.split('\n')[0]}`);
    }
  };

  const startDrag = (e: React.MouseEvent) => {
    e.preventDefault();
    const y0 = e.clientY;
    const h0 = size;
    const move = (ev: MouseEvent) => setSize(Math.max(MIN_HEIGHT, h0 + ev.clientY - y0));
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    setExpanded(false);
  };

  const shown = expanded ? Math.max(MIN_HEIGHT, contentHeight + LINE_PADDING) : size;

  return (
    <div data-testid="quarry-sql-editor" data-expanded={expanded} className={styles.root}>
      <CodeEditor
        value={value}
        language={languageId(engine)}
        height={shown}
        showLineNumbers
        showMiniMap={false}
        onBeforeEditorMount={beforeMount}
        onEditorDidMount={didMount}
        onChange={(v) => latest.current.onChange(v)}
        onBlur={(v) => latest.current.onChange(v)}
        monacoOptions={{ scrollBeyondLastLine: false, suggest: { showWords: false }, fixedOverflowWidgets: true }}
      />
      <div
        className={styles.handle}
        onMouseDown={startDrag}
        role="separator"
        aria-orientation="horizontal"
        aria-label="Drag to resize the editor"
        data-testid="quarry-editor-resize"
      />
      <Stack direction="row" alignItems="center" justifyContent="space-between" gap={1}>
        <Stack direction="row" alignItems="center" gap={1}>
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon="brackets-curly"
            onClick={format}
            data-testid="quarry-format"
          >
            Format
          </Button>
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon={expanded ? 'angle-up' : 'angle-down'}
            onClick={() => setExpanded(!expanded)}
            data-testid="quarry-expand"
            tooltip={expanded ? 'Back to the set height' : 'Show the whole query'}
          >
            {expanded ? 'Collapse' : 'Expand'}
          </Button>
          {formatError && (
            <span className={styles.hint} data-testid="quarry-format-error">
              {formatError}
            </span>
          )}
        </Stack>
        {onRun && (
          <span className={styles.hint} data-testid="quarry-run-shortcut">
            {runShortcutLabel()} runs the query
          </span>
        )}
      </Stack>
    </div>
  );
}

function applyMarkers(monaco: Monaco, model: monacoType.editor.ITextModel, markers?: EditorMarker[]) {
  monaco.editor.setModelMarkers(
    model,
    'quarry',
    (markers ?? []).map((m) => toMarker(monaco, model, m))
  );
}

/** toMarker maps a planner position (1-based line and column) onto the model, covering the word there. */
export function toMarker(
  monaco: Pick<Monaco, 'MarkerSeverity'>,
  model: Pick<monacoType.editor.ITextModel, 'getLineCount' | 'getWordAtPosition' | 'getLineMaxColumn'>,
  m: EditorMarker
): monacoType.editor.IMarkerData {
  const line = Math.min(Math.max(m.line, 1), model.getLineCount());
  const column = Math.max(m.column, 1);
  const word = model.getWordAtPosition({ lineNumber: line, column });
  const endColumn =
    word && word.endColumn > column ? word.endColumn : Math.min(column + 1, model.getLineMaxColumn(line));
  return {
    severity: m.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
    message: m.message,
    startLineNumber: line,
    startColumn: column,
    endLineNumber: line,
    endColumn: Math.max(endColumn, column + 1),
  };
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column' }),
  handle: css({
    height: 6,
    cursor: 'ns-resize',
    borderBottom: `2px solid ${theme.colors.border.weak}`,
    '&:hover': { borderBottomColor: theme.colors.border.strong },
  }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
