// jsdom lacks a few browser APIs that @grafana/ui touches.
import '@testing-library/jest-dom';

import { TextDecoder, TextEncoder } from 'util';

Object.assign(global, { TextEncoder, TextDecoder });

Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
class IntersectionObserverStub {
  readonly root = null;
  readonly rootMargin = '';
  readonly thresholds = [];
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(global, { ResizeObserver: ResizeObserverStub, IntersectionObserver: IntersectionObserverStub });

HTMLCanvasElement.prototype.getContext = (() => null) as unknown as typeof HTMLCanvasElement.prototype.getContext;

(window as unknown as Record<string, unknown>).grafanaBootData = {
  settings: { featureToggles: {}, buildInfo: { version: '13.2.3' } },
  user: {},
  navTree: [],
};

// @grafana/ui's Icon loads its SVG asynchronously; React reports that update
// as "not wrapped in act(...)". It is noise for these tests, everything else is kept.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (
    args.some((a) => typeof a === 'string' && a.includes('not wrapped in act')) &&
    args.some((a) => String(a).includes('InlineSVG'))
  ) {
    return;
  }
  consoleError(...args);
};
