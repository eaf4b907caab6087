import { fireEvent, render, screen } from '@testing-library/react';
import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';

import { QuarryOptions, QuarrySecureOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Options = DataSourceSettings<QuarryOptions, QuarrySecureOptions>;

function options(jsonData: QuarryOptions, secureJsonFields: Record<string, boolean> = {}): Options {
  return {
    id: 1,
    uid: 'q',
    orgId: 1,
    name: 'Quarry',
    type: 'bigtent-quarry-datasource',
    typeName: 'Quarry',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData,
    secureJsonFields,
    secureJsonData: {},
  };
}

/** Stateful renders the editor the way Grafana does: each change flows back as new props. */
function Stateful({ initial, onChange }: { initial: Options; onChange: (o: Options) => void }) {
  const [o, setO] = useState(initial);
  return (
    <ConfigEditor
      options={o}
      onOptionsChange={(n) => {
        setO(n);
        onChange(n);
      }}
    />
  );
}

describe('ConfigEditor', () => {
  it('shows a configured secret as configured with Reset, and Reset clears it', () => {
    const changes: Options[] = [];
    render(
      <Stateful initial={options({ engine: 'postgres' }, { password: true })} onChange={(o) => changes.push(o)} />
    );
    const pw = screen.getByLabelText('Password') as HTMLInputElement;
    expect(pw).toBeDisabled();
    expect(pw.value).toBe('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    const last = changes[changes.length - 1];
    expect(last.secureJsonFields.password).toBe(false);
    expect(last.secureJsonData?.password).toBe('');
    expect(screen.getByLabelText('Password')).not.toBeDisabled();
  });

  it('writes a new secret only to secureJsonData', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'postgres' })} onChange={(o) => changes.push(o)} />);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 's3cret' } });
    const last = changes[changes.length - 1];
    expect(last.secureJsonData?.password).toBe('s3cret');
    expect(JSON.stringify(last.jsonData)).not.toContain('s3cret');
  });

  it('switches fields with the engine picker', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'duckdb' })} onChange={(o) => changes.push(o)} />);
    expect(screen.getByLabelText('Database file')).toBeInTheDocument();
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('BigQuery'));
    expect(changes[changes.length - 1].jsonData.engine).toBe('bigquery');
    expect(screen.getByLabelText('Service account key (JSON)')).toBeInTheDocument();
    expect(screen.getByLabelText('Price per TiB (USD)')).toBeInTheDocument();
  });

  it('keeps a configured BigQuery key behind Reset', () => {
    render(<Stateful initial={options({ engine: 'bigquery' }, { serviceAccountKey: true })} onChange={() => {}} />);
    expect(screen.getByLabelText('Service account key (JSON)')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
  });

  it('keeps PostgreSQL certificates in jsonData and the client key secret', () => {
    const changes: Options[] = [];
    render(
      <Stateful
        initial={options({ engine: 'postgres', sslmode: 'verify-full' }, { sslKey: true })}
        onChange={(o) => changes.push(o)}
      />
    );
    fireEvent.change(screen.getByLabelText('CA certificate'), { target: { value: 'PEM-CA' } });
    expect(changes[changes.length - 1].jsonData.sslRootCert).toBe('PEM-CA');
    expect(screen.getByLabelText('Client key')).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(changes[changes.length - 1].secureJsonFields.sslKey).toBe(false);
  });

  it('shows ClickHouse TLS and mTLS fields behind their switches', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'clickhouse' })} onChange={(o) => changes.push(o)} />);
    expect(screen.queryByLabelText('CA certificate')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Use TLS'));
    expect(changes[changes.length - 1].jsonData.secure).toBe(true);
    expect(screen.getByLabelText('CA certificate')).toBeInTheDocument();
    expect(screen.queryByLabelText('Client key')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Client certificate (mTLS)'));
    fireEvent.change(screen.getByLabelText('Client key'), { target: { value: 'PEM-KEY' } });
    const last = changes[changes.length - 1];
    expect(last.secureJsonData?.tlsClientKey).toBe('PEM-KEY');
    expect(JSON.stringify(last.jsonData)).not.toContain('PEM-KEY');
  });

  it('stores numeric guardrails as numbers and flags a bad duration', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'duckdb' })} onChange={(o) => changes.push(o)} />);
    fireEvent.change(screen.getByLabelText('Maximum bytes scanned'), { target: { value: '1073741824' } });
    fireEvent.blur(screen.getByLabelText('Maximum bytes scanned'));
    expect(changes[changes.length - 1].jsonData.maxBytes).toBe(1073741824);
    fireEvent.change(screen.getByLabelText('Query timeout'), { target: { value: 'soon' } });
    // The backend's own message (pkg/plugin/settings.go, via settings.ts).
    expect(
      screen.getByText('queryTimeout: "soon" is not a duration (use e.g. "30s" or a number of seconds)')
    ).toBeInTheDocument();
  });

  it("shows each setting's backend default and the backend's message for a refused value", () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'duckdb' })} onChange={(o) => changes.push(o)} />);
    const conc = screen.getByLabelText('Concurrency') as HTMLInputElement;
    expect(conc.placeholder).toBe('4');
    expect(
      screen.getByText(/Queries of one panel request that run at once \(1-64\)\. Default: 4\./)
    ).toBeInTheDocument();
    expect(screen.getByText(/Default: 67108864 \(64 MiB\)/)).toBeInTheDocument();
    fireEvent.change(conc, { target: { value: '65' } });
    // Not judged while typing; judged as the backend would once stored.
    expect(screen.queryByText(/concurrency: must be/)).not.toBeInTheDocument();
    fireEvent.blur(conc);
    expect(changes[changes.length - 1].jsonData.concurrency).toBe(65);
    expect(screen.getByText('concurrency: must be between 1 and 64, got 65')).toBeInTheDocument();
    const threads = screen.getByLabelText('Threads');
    fireEvent.change(threads, { target: { value: '2.5' } });
    fireEvent.blur(threads);
    expect(screen.getByText('threads: expected int, got JSON number 2.5')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Memory limit'), { target: { value: 'lots' } });
    expect(screen.getByText('memoryLimit: "lots" is not a size such as 512MB or 2GB')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Max connections'), { target: { value: '16' } });
    fireEvent.blur(screen.getByLabelText('Max connections'));
    expect(changes[changes.length - 1].jsonData).toMatchObject({
      threads: 2.5,
      memoryLimit: 'lots',
      maxConnections: 16,
    });
  });

  it('edits the allow-lists as lists, with the backend message for a name it refuses', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'duckdb' })} onChange={(o) => changes.push(o)} />);
    expect(screen.getByTestId('quarry-allow-lists')).toHaveTextContent(/read_csv, read_parquet, glob/);
    expect(screen.queryByLabelText('Allowed table functions')).not.toBeInTheDocument();
    const fns = screen.getByLabelText('Allowed functions') as HTMLInputElement;
    fireEvent.change(fns, { target: { value: 'read_parquet, range ,' } });
    expect(fns.value).toBe('read_parquet, range ,');
    fireEvent.blur(fns);
    expect(changes[changes.length - 1].jsonData.allowedFunctions).toEqual(['read_parquet', 'range']);
    expect(fns.value).toBe('read_parquet, range');
    fireEvent.change(screen.getByLabelText('Allowed schemas'), { target: { value: 'main, x;y' } });
    fireEvent.blur(screen.getByLabelText('Allowed schemas'));
    expect(
      screen.getByText(`allowedSchemas[1]: "x;y" must be a plain name, without spaces, quotes, parentheses or ';'`)
    ).toBeInTheDocument();
    fireEvent.change(fns, { target: { value: '' } });
    fireEvent.blur(fns);
    expect(changes[changes.length - 1].jsonData.allowedFunctions).toBeUndefined();
  });

  it('shows the engine-only allow-lists and pool settings for their engine', () => {
    const ch = render(<Stateful initial={options({ engine: 'clickhouse', maxOpenConns: 1001 })} onChange={() => {}} />);
    expect(screen.getByLabelText('Allowed table functions')).toBeInTheDocument();
    expect(screen.queryByLabelText('Allowed datasets')).not.toBeInTheDocument();
    expect(screen.getByText('Max open connections 1001 is out of range: use 1-1000')).toBeInTheDocument();
    ch.unmount();
    const pg = render(<Stateful initial={options({ engine: 'postgres', maxConns: -1 })} onChange={() => {}} />);
    expect(screen.getByText('Max connections -1 is out of range: use 1-1000')).toBeInTheDocument();
    expect((screen.getByLabelText('Connection lifetime') as HTMLInputElement).placeholder).toBe('1h');
    // Unset SSL mode is the backend's default, prefer.
    expect(screen.getByText('TLS when the server offers it, certificate not verified')).toBeInTheDocument();
    pg.unmount();
  });

  it('BigQuery: page size, Storage Read API switch with its endpoint, allowed datasets', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'bigquery' })} onChange={(o) => changes.push(o)} />);
    expect((screen.getByLabelText('Page size') as HTMLInputElement).placeholder).toBe('10000');
    expect(screen.queryByLabelText('Storage Read API endpoint')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Storage Read API'));
    expect(changes[changes.length - 1].jsonData.storageReadApi).toBe(true);
    fireEvent.change(screen.getByLabelText('Storage Read API endpoint'), { target: { value: 'localhost' } });
    expect(screen.getByText('storageEndpoint: "localhost" is not host:port')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Allowed datasets'), {
      target: { value: 'analytics, other-project.sales' },
    });
    fireEvent.blur(screen.getByLabelText('Allowed datasets'));
    expect(changes[changes.length - 1].jsonData.allowedDatasets).toEqual(['analytics', 'other-project.sales']);
    fireEvent.change(screen.getByLabelText('Page size'), { target: { value: '100001' } });
    fireEvent.blur(screen.getByLabelText('Page size'));
    expect(screen.getByText('pageSize: must be between 1 and 100000 rows, got 100001')).toBeInTheDocument();
  });

  it('shared cache: Redis URL with the backend message, secret password, TLS fields only for rediss://', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'postgres' })} onChange={(o) => changes.push(o)} />);
    expect((screen.getByLabelText('Largest shared entry (bytes)') as HTMLInputElement).placeholder).toBe(
      '8388608 (8 MiB)'
    );
    expect(screen.queryByLabelText('Redis CA certificate')).not.toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Redis URL'), { target: { value: 'redis://:hunter2@cache:6379/0' } });
    expect(
      screen.getByText('cacheRedisURL: holds a password; put it in the secure setting cacheRedisPassword instead')
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Redis URL'), { target: { value: 'rediss://cache:6380/0' } });
    expect(screen.queryByText(/cacheRedisURL:/)).not.toBeInTheDocument();
    expect(screen.getByLabelText('Redis CA certificate')).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Skip Redis TLS verification'));
    fireEvent.change(screen.getByLabelText('Redis password'), { target: { value: 's3cret' } });
    fireEvent.click(screen.getByLabelText('Forward OAuth identity'));
    const last = changes[changes.length - 1];
    expect(last.jsonData).toMatchObject({
      cacheRedisURL: 'rediss://cache:6380/0',
      cacheRedisTLSSkipVerify: true,
      oauthPassThru: true,
    });
    expect(last.secureJsonData).toEqual({ cacheRedisPassword: 's3cret' });
    expect(JSON.stringify(last.jsonData)).not.toContain('s3cret');
  });

  it('never shows a configured secret, whatever the engine', () => {
    for (const [engine, key, label] of [
      ['postgres', 'password', 'Password'],
      ['clickhouse', 'password', 'Password'],
      ['bigquery', 'serviceAccountKey', 'Service account key (JSON)'],
    ] as const) {
      const r = render(<Stateful initial={options({ engine }, { [key]: true })} onChange={() => {}} />);
      const input = screen.getByLabelText(label) as HTMLInputElement;
      expect(input).toBeDisabled();
      expect(input.value).toBe('configured');
      r.unmount();
    }
  });

  it('keeps "6." and "1e" as typed until blur, then stores the number', () => {
    const changes: Options[] = [];
    render(<Stateful initial={options({ engine: 'bigquery' })} onChange={(o) => changes.push(o)} />);
    const price = screen.getByLabelText('Price per TiB (USD)') as HTMLInputElement;
    fireEvent.change(price, { target: { value: '6.' } });
    expect(price.value).toBe('6.');
    fireEvent.change(price, { target: { value: '6.2' } });
    expect(price.value).toBe('6.2');
    fireEvent.change(price, { target: { value: '6.25' } });
    fireEvent.blur(price);
    expect(changes[changes.length - 1].jsonData.pricePerTiB).toBe(6.25);
    const rows = screen.getByLabelText('Maximum estimated rows') as HTMLInputElement;
    fireEvent.change(rows, { target: { value: '1e' } });
    expect(rows.value).toBe('1e');
    fireEvent.blur(rows);
    expect(screen.getByText('Maximum estimated rows must be a number')).toBeInTheDocument();
    fireEvent.change(rows, { target: { value: '1e6' } });
    fireEvent.blur(rows);
    expect(changes[changes.length - 1].jsonData.maxEstimatedRows).toBe(1_000_000);
  });

  it("switching engine clears the other engine's keys and says which", () => {
    const changes: Options[] = [];
    render(
      <Stateful
        initial={options({ engine: 'postgres', host: 'db.internal', port: 5432, user: 'grafana', maxRows: 500 })}
        onChange={(o) => changes.push(o)}
      />
    );
    fireEvent.click(screen.getByLabelText('ClickHouse'));
    const j = changes[changes.length - 1].jsonData;
    expect(j.engine).toBe('clickhouse');
    expect(j.host).toBeUndefined();
    expect(j.port).toBeUndefined();
    expect(j.user).toBeUndefined();
    expect(j.maxRows).toBe(500);
    expect(screen.getByTestId('quarry-engine-cleared')).toHaveTextContent('host, port, user');
    expect((screen.getByLabelText('Host') as HTMLInputElement).value).toBe('');
  });

  it('switching engine also clears the engine-only pool and allow-list keys', () => {
    const changes: Options[] = [];
    render(
      <Stateful
        initial={options({ engine: 'duckdb', threads: 4, memoryLimit: '2GB', allowedFunctions: ['range'] })}
        onChange={(o) => changes.push(o)}
      />
    );
    fireEvent.click(screen.getByLabelText('ClickHouse'));
    const j = changes[changes.length - 1].jsonData;
    expect(j.threads).toBeUndefined();
    expect(j.memoryLimit).toBeUndefined();
    // Common keys stay.
    expect(j.allowedFunctions).toEqual(['range']);
    expect(screen.getByTestId('quarry-engine-cleared')).toHaveTextContent('threads, memoryLimit');
  });
});
