// Minimal Grafana services for the harness: a fetch-based BackendSrv (the
// only method DataSourceWithBackend uses is fetch), a TemplateSrv with a few
// dashboard variables, and a DataSourceSrv that knows the one data source.
import { DataSourceInstanceSettings, ScopedVars, TypedVariableModel } from '@grafana/data';
import { BackendSrvRequest, FetchResponse, TemplateSrv } from '@grafana/runtime';
import { Observable } from 'rxjs';

/** fetchBackend implements BackendSrv.fetch with window.fetch; non-2xx answers error with {status, data}. */
export function fetchBackend() {
  const fetchObs = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable((sub) => {
      const ctrl = new AbortController();
      options.abortSignal?.addEventListener('abort', () => ctrl.abort(), { once: true });
      const url = new URL(options.url, window.location.origin);
      for (const [k, v] of Object.entries(options.params ?? {})) {
        if (v !== undefined && v !== null) {
          url.searchParams.set(k, String(v));
        }
      }
      const method = options.method ?? 'GET';
      const init: RequestInit = {
        method,
        signal: ctrl.signal,
        headers: { 'Content-Type': 'application/json', ...(options.headers ?? {}) },
        body: method === 'GET' ? undefined : JSON.stringify(options.data ?? {}),
      };
      window
        .fetch(url, init)
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          const response = {
            data: data as T,
            status: res.status,
            statusText: res.statusText,
            ok: res.ok,
            headers: res.headers,
            redirected: res.redirected,
            type: res.type,
            url: res.url,
            config: options,
          } as FetchResponse<T>;
          if (!res.ok) {
            sub.error({ status: res.status, statusText: res.statusText, data, config: options });
            return;
          }
          sub.next(response);
          sub.complete();
        })
        .catch((err) => sub.error(err));
      return () => ctrl.abort();
    });
  const unsupported = () => Promise.reject(new Error('not in the harness'));
  return {
    fetch: fetchObs,
    get: unsupported,
    post: unsupported,
    put: unsupported,
    patch: unsupported,
    delete: unsupported,
    request: unsupported,
    datasourceRequest: unsupported,
    resolveCancelerIfExists: () => undefined,
  };
}

interface Variable {
  name: string;
  value: string | string[];
}

/** HarnessTemplateSrv expands $var, ${var} and [[var]] from a fixed list, with the caller's format function. */
export class HarnessTemplateSrv implements Partial<TemplateSrv> {
  constructor(private readonly vars: Variable[]) {}

  getVariables(): TypedVariableModel[] {
    return this.vars.map((v) => ({
      name: v.name,
      current: { value: v.value, text: v.value },
    })) as unknown as TypedVariableModel[];
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return '';
    }
    return target.replace(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (match, a, b, c) => {
      const name = a ?? b ?? c;
      const scoped = scopedVars?.[name]?.value;
      const v = scoped !== undefined ? scoped : this.vars.find((x) => x.name === name)?.value;
      if (v === undefined) {
        return match;
      }
      return typeof format === 'function' ? format(v) : String(v);
    });
  }

  containsTemplate(target?: string): boolean {
    return Boolean(target && /\$\w+|\$\{\w+/.test(target));
  }

  updateTimeRange(): void {}
}

/** dataSourceSrv answers getInstanceSettings for the one data source the harness has. */
export function dataSourceSrv(settings: DataSourceInstanceSettings) {
  return {
    getInstanceSettings: () => settings,
    getList: () => [settings],
    get: () => Promise.reject(new Error('not in the harness')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  };
}
