import React, { useCallback, useEffect, useRef } from 'react';
import { CodeEditor } from '@grafana/ui';
import type * as monacoType from 'monaco-editor';

import { ResourceClient } from '../../api';
import { Engine } from '../../types';
import { analyze, Suggestion } from './completion';
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
  /** onRun runs the query (the Run button and Shift+Enter). */
  onRun?: () => void;
  markers?: EditorMarker[];
  height?: number;
}

const KIND: Record<Suggestion['kind'], keyof typeof monacoType.languages.CompletionItemKind> = {
  macro: 'Function',
  dataset: 'Module',
  table: 'Class',
  column: 'Field',
};

/** SqlEditor is Monaco with the dialect's highlighting, macro and schema completion, markers and Shift+Enter. */
export function SqlEditor({ value, engine, resources, onChange, onRun, markers, height = 200 }: Props) {
  const editorRef = useRef<Editor | null>(null);
  const monacoRef = useRef<Monaco | null>(null);
  const disposables = useRef<monacoType.IDisposable[]>([]);
  const latest = useRef({ onChange, onRun, resources, markers });
  latest.current = { onChange, onRun, resources, markers };

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
      disposables.current.push(
        monaco.languages.registerCompletionItemProvider(languageId(engine), {
          triggerCharacters: ['$', '.'],
          provideCompletionItems: async (m, position) => {
            if (m.id !== editor.getModel()?.id) {
              return { suggestions: [] };
            }
            const ctx = analyze(m.getValue(), m.getOffsetAt(position));
            const items = await suggestionsFor(ctx, latest.current.resources).catch(() => []);
            const start = m.getPositionAt(m.getOffsetAt(position) - ctx.prefix.length);
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
        keybindings: [monaco.KeyMod.Shift | monaco.KeyCode.Enter],
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
    monaco.editor.setModelMarkers(
      model,
      'quarry',
      (markers ?? []).map((m) => toMarker(monaco, model, m))
    );
  }, [markers]);

  return (
    <div data-testid="quarry-sql-editor">
      <CodeEditor
        value={value}
        language={languageId(engine)}
        height={height}
        showLineNumbers
        showMiniMap={false}
        onBeforeEditorMount={beforeMount}
        onEditorDidMount={didMount}
        onChange={(v) => latest.current.onChange(v)}
        onBlur={(v) => latest.current.onChange(v)}
        monacoOptions={{ scrollBeyondLastLine: false, suggest: { showWords: false }, fixedOverflowWidgets: true }}
      />
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

function toMarker(monaco: Monaco, model: monacoType.editor.ITextModel, m: EditorMarker): monacoType.editor.IMarkerData {
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
