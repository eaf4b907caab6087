// Grafana's runtime reads window.grafanaBootData when it is first imported;
// this module runs before any @grafana import of the harness.
const w = window as unknown as Record<string, unknown>;
w.grafanaBootData = {
  settings: {
    buildInfo: { version: '13.2.3', commit: 'harness', env: 'development' },
    featureToggles: {},
    theme2: undefined,
    bootData: {},
    datasources: {},
    panels: {},
    apps: {},
    appSubUrl: '',
    appUrl: window.location.origin + '/',
  },
  user: { id: 1, login: 'harness', orgId: 1, timezone: 'utc', locale: 'en-US', language: 'en-US' },
  navTree: [],
};

// Monaco's editor worker, bundled by webpack.
(self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker: () => new Worker(new URL('monaco-editor/esm/vs/editor/editor.worker.js', import.meta.url)),
};

export {};
