import { Observable, lastValueFrom } from 'rxjs';
import {
  BuilderModel,
  BuilderParseResult,
  Estimate,
  Format,
  MacroDoc,
  Plan,
  PlanError,
  PlanRequest,
  ServerFunction,
  TableSchema,
} from './types';

/** The part of DataSourceWithBackend the resource client needs. */
export interface ResourceCaller {
  getResource<T>(path: string, params?: Record<string, unknown>, options?: unknown): Promise<T>;
  postResource<T>(path: string, data?: unknown, options?: unknown): Promise<T>;
}

/** PlanFailure is thrown when /plan or /estimate answers with an error. */
export class PlanFailure extends Error {
  constructor(readonly detail: PlanError) {
    super(detail.message);
    this.name = 'PlanFailure';
  }
}

/** toPlanError extracts {"error":{message,line,column}} from a failed resource call. */
export function toPlanError(err: unknown): PlanError {
  const e = err as { data?: unknown; message?: string; statusText?: string } | undefined;
  const data = e?.data as { error?: PlanError | string; message?: string } | undefined;
  if (data && typeof data.error === 'object' && data.error) {
    return data.error;
  }
  if (data && typeof data.error === 'string') {
    return { message: data.error };
  }
  if (data && typeof data.message === 'string') {
    return { message: data.message };
  }
  return { message: e?.message ?? e?.statusText ?? String(err) };
}

async function call<T>(p: Promise<T> | Observable<T>): Promise<T> {
  try {
    return await (p instanceof Observable ? lastValueFrom(p) : p);
  } catch (err) {
    throw new PlanFailure(toPlanError(err));
  }
}

/** ResourceClient wraps the backend's resource routes with typed calls. */
export class ResourceClient {
  private macrosCache?: Promise<MacroDoc[]>;
  private readonly schemaCache = new Map<string, Promise<unknown>>();

  constructor(private readonly ds: ResourceCaller) {}

  /** plan asks for the final SQL; signal aborts the request (a newer edit supersedes it). */
  plan(req: PlanRequest, signal?: AbortSignal): Promise<Plan> {
    return call(this.ds.postResource<Plan>('plan', req, { showErrorAlert: false, ...abortable(signal) }));
  }

  async estimate(req: PlanRequest, signal?: AbortSignal): Promise<Estimate> {
    const e = await call(
      this.ds.postResource<Estimate>('estimate', req, { showErrorAlert: false, ...abortable(signal) })
    );
    // The backend says "refused" with the guardrail's message when over budget.
    return { ...e, overBudget: Boolean(e.overBudget || e.refused), message: e.refused || e.message };
  }

  /** builderParse asks the backend whether rawSql fits the builder (the planner's parser decides). */
  builderParse(rawSql: string, format?: Format): Promise<BuilderParseResult> {
    return call(
      this.ds.postResource<BuilderParseResult>('builder/parse', { rawSql, format }, { showErrorAlert: false })
    );
  }

  /** builderSql writes a builder model as the engine's SQL: the one text the builder shows and runs. */
  async builderSql(model: BuilderModel): Promise<string> {
    const r = await call(this.ds.postResource<{ sql: string }>('builder/sql', { model }, { showErrorAlert: false }));
    return r.sql;
  }

  /** macros is fetched once per client; a failure is retried on the next call. */
  macros(): Promise<MacroDoc[]> {
    if (!this.macrosCache) {
      this.macrosCache = call(this.ds.getResource<MacroDoc[] | { macros?: MacroDoc[] }>('macros')).then(
        (m) => (Array.isArray(m) ? m : (m?.macros ?? [])),
        (err) => {
          this.macrosCache = undefined;
          throw err;
        }
      );
    }
    return this.macrosCache;
  }

  /** datasets lists the datasets (schemas, databases); project names another BigQuery project ("" = the default). */
  datasets(project?: string): Promise<string[]> {
    return this.cached(`datasets/${project ?? ''}`, async () =>
      names(await call(this.ds.getResource<Listing>('schema/datasets', project ? { project } : undefined)))
    );
  }

  tables(dataset: string): Promise<string[]> {
    return this.cached(`tables/${dataset}`, async () =>
      names(await call(this.ds.getResource<Listing>('schema/tables', { dataset })))
    );
  }

  columns(dataset: string, table: string): Promise<TableSchema> {
    return this.cached(`columns/${dataset}/${table}`, () =>
      call(this.ds.getResource<TableSchema>('schema/columns', { dataset, table }))
    );
  }

  /** functions lists the server's functions (/schema/functions, cached by the backend and here). */
  functions(): Promise<ServerFunction[]> {
    return this.cached('functions', async () => {
      const r = await call(this.ds.getResource<{ functions?: ServerFunction[] }>('schema/functions'));
      return r?.functions ?? [];
    });
  }

  /** cached keeps schema answers for the editor's lifetime; failures are not kept. */
  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.schemaCache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.schemaCache.set(key, p);
      p.catch(() => this.schemaCache.delete(key));
    }
    return p;
  }
}

/** abortable is the request option that cancels a resource call (BackendSrvRequest.abortSignal). */
function abortable(signal?: AbortSignal): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

/** Listing is a schema answer: a list, or an object holding one ({"datasets": [...]}, {"tables": [...]}). */
export type Listing = unknown[] | Record<string, unknown[] | undefined> | null | undefined;

/** names accepts ["a"], [{name:"a"}], [{text:"a"}] or an object wrapping such a list. */
export function names(listing: Listing): string[] {
  const list = Array.isArray(listing) ? listing : (Object.values(listing ?? {}).find(Array.isArray) ?? []);
  return list
    .map((x) => {
      if (typeof x === 'string') {
        return x;
      }
      const o = x as { name?: string; text?: string };
      return o?.name ?? o?.text ?? '';
    })
    .filter((s) => s !== '');
}
