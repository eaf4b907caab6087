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
    expect(screen.getByText(/Use a duration such as/)).toBeInTheDocument();
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
});
