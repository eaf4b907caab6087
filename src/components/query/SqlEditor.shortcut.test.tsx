import { fireEvent, render, screen } from '@testing-library/react';
import React from 'react';

import { ResourceClient } from '../../api';
import { SqlEditor } from './SqlEditor';

// Monaco's own key codes (monaco-editor's KeyMod.CtrlCmd and KeyCode.Enter):
// CtrlCmd is Ctrl on Linux and Windows and Cmd on macOS.
const KeyMod = { CtrlCmd: 2048, Shift: 1024, Alt: 512, WinCtrl: 256 };
const KeyCode = { Enter: 3 };

interface Action {
  id: string;
  keybindings?: number[];
  run: (ed: FakeEditor) => void;
}
interface FakeEditor {
  getValue: () => string;
  actions: Action[];
}

/**
 * The fake CodeEditor is a textarea that mounts like Monaco (onEditorDidMount
 * with an editor and the monaco namespace) and dispatches key presses to
 * the actions registered for their keybinding, as Monaco's keybinding
 * service does.
 */
jest.mock('@grafana/ui', () => {
  const actual = jest.requireActual('@grafana/ui');
  const ReactLib = jest.requireActual('react');
  function CodeEditor(p: {
    value: string;
    onEditorDidMount?: (e: unknown, m: unknown) => void;
    onBeforeEditorMount?: (m: unknown) => void;
  }) {
    const ref = ReactLib.useRef(null);
    const text = ReactLib.useRef(p.value);
    const editor = ReactLib.useRef(null);
    ReactLib.useEffect(() => {
      const monaco = (global as unknown as { fakeMonaco: unknown }).fakeMonaco;
      const ed = {
        actions: [] as unknown[],
        getValue: () => text.current,
        edits: [] as unknown[],
        getModel: () => ({ id: 'm1', getFullModelRange: () => 'all' }),
        executeEdits(_source: string, edits: Array<{ text: string }>) {
          this.edits.push(...edits);
          text.current = edits[edits.length - 1].text;
          return true;
        },
        getContentHeight: () => 40,
        onDidContentSizeChange: () => ({ dispose() {} }),
        addAction(a: unknown) {
          this.actions.push(a);
          return { dispose() {} };
        },
      };
      editor.current = ed;
      (global as unknown as { lastEditor: unknown }).lastEditor = ed;
      p.onBeforeEditorMount?.(monaco);
      p.onEditorDidMount?.(ed, monaco);
    }, []);
    return ReactLib.createElement('textarea', {
      ref,
      'aria-label': 'SQL editor',
      defaultValue: p.value,
      onChange: (e: { currentTarget: { value: string } }) => {
        text.current = e.currentTarget.value;
      },
      onKeyDown: (e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }) => {
        const mac = /Mac/.test(navigator.platform);
        const chord =
          ((mac ? e.metaKey : e.ctrlKey) ? 2048 : 0) |
          (e.shiftKey ? 1024 : 0) |
          (e.altKey ? 512 : 0) |
          (mac && e.ctrlKey ? 256 : 0) |
          (e.key === 'Enter' ? 3 : 0);
        const ed = editor.current as unknown as FakeEditor;
        ed.actions.filter((a) => a.keybindings?.includes(chord)).forEach((a) => a.run(ed));
      },
    });
  }
  return { ...actual, CodeEditor };
});

function fakeMonaco() {
  return {
    KeyMod,
    KeyCode,
    MarkerSeverity: { Error: 8, Warning: 4 },
    Range: class {},
    editor: { setModelLanguage: jest.fn(), setModelMarkers: jest.fn() },
    languages: {
      getLanguages: () => [],
      register: jest.fn(),
      setMonarchTokensProvider: jest.fn(),
      setLanguageConfiguration: jest.fn(),
      registerCompletionItemProvider: jest.fn(() => ({ dispose() {} })),
      CompletionItemKind: {},
      CompletionItemInsertTextRule: {},
    },
  };
}

const resources = { macros: jest.fn().mockResolvedValue([]) } as unknown as ResourceClient;

describe('SqlEditor run shortcut', () => {
  beforeEach(() => {
    (global as unknown as { fakeMonaco: unknown }).fakeMonaco = fakeMonaco();
  });

  it('registers Ctrl/Cmd+Enter (and only that chord) as "Run query"', () => {
    render(<SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={jest.fn()} onRun={jest.fn()} />);
    const ed = (global as unknown as { lastEditor: FakeEditor }).lastEditor;
    const bound = ed.actions.filter((a) => a.keybindings?.length);
    expect(bound.map((a) => [a.id, a.keybindings])).toEqual([['quarry-run-query', [KeyMod.CtrlCmd | KeyCode.Enter]]]);
    const monaco = (global as unknown as { fakeMonaco: ReturnType<typeof fakeMonaco> }).fakeMonaco;
    expect(monaco.languages.registerCompletionItemProvider).toHaveBeenCalledTimes(1);
  });

  it('Ctrl+Enter hands the current text to onChange, then runs the query', () => {
    const calls: string[] = [];
    const onChange = jest.fn((sql: string) => calls.push(`change:${sql}`));
    const onRun = jest.fn(() => calls.push('run'));
    render(<SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={onChange} onRun={onRun} />);
    const ta = screen.getByLabelText('SQL editor');
    fireEvent.change(ta, { target: { value: 'SELECT 2' } });
    fireEvent.keyDown(ta, { key: 'Enter', ctrlKey: true });
    expect(onRun).toHaveBeenCalledTimes(1);
    // The run sees the text as typed, even before Monaco's debounced change event.
    expect(calls).toEqual(['change:SELECT 2', 'run']);
  });

  it('Enter, Shift+Enter and Alt+Enter do not run the query', () => {
    const onRun = jest.fn();
    render(<SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={jest.fn()} onRun={onRun} />);
    const ta = screen.getByLabelText('SQL editor');
    fireEvent.keyDown(ta, { key: 'Enter' });
    fireEvent.keyDown(ta, { key: 'Enter', shiftKey: true });
    fireEvent.keyDown(ta, { key: 'Enter', altKey: true });
    expect(onRun).not.toHaveBeenCalled();
  });

  it('on macOS Cmd+Enter runs, Ctrl+Enter does not, and the hint says ⌘+Enter', () => {
    const platform = jest.spyOn(window.navigator, 'platform', 'get').mockReturnValue('MacIntel');
    try {
      const onRun = jest.fn();
      render(<SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={jest.fn()} onRun={onRun} />);
      const ta = screen.getByLabelText('SQL editor');
      fireEvent.keyDown(ta, { key: 'Enter', ctrlKey: true });
      expect(onRun).not.toHaveBeenCalled();
      fireEvent.keyDown(ta, { key: 'Enter', metaKey: true });
      expect(onRun).toHaveBeenCalledTimes(1);
      expect(screen.getByTestId('quarry-run-shortcut')).toHaveTextContent('⌘+Enter runs the query');
    } finally {
      platform.mockRestore();
    }
  });

  it('shows the shortcut under the editor when the query can run, and not otherwise', () => {
    const { unmount } = render(
      <SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={jest.fn()} onRun={jest.fn()} />
    );
    expect(screen.getByTestId('quarry-run-shortcut')).toHaveTextContent('Ctrl+Enter runs the query');
    unmount();
    render(<SqlEditor value="SELECT 1" engine="duckdb" resources={resources} onChange={jest.fn()} />);
    expect(screen.queryByTestId('quarry-run-shortcut')).not.toBeInTheDocument();
  });

  it('Format rewrites the text in the dialect and keeps macros', () => {
    const onChange = jest.fn();
    render(
      <SqlEditor
        value="select $__timeGroup(ts, '5m') as time, count(*) from sample.http_requests where $__timeFilter(ts) group by 1"
        engine="duckdb"
        resources={resources}
        onChange={onChange}
      />
    );
    fireEvent.click(screen.getByTestId('quarry-format'));
    const out = onChange.mock.calls[onChange.mock.calls.length - 1][0] as string;
    expect(out).toContain("$__timeGroup(ts, '5m')");
    expect(out).toContain('$__timeFilter(ts)');
    expect(out.split('\n').length).toBeGreaterThan(3);
    // An edit of the model (undoable with Ctrl+Z), not a reset of its value.
    const ed = (global as unknown as { lastEditor: FakeEditor & { edits: Array<{ text: string }> } }).lastEditor;
    expect(ed.edits.map((e) => e.text)).toEqual([out]);
  });
});
