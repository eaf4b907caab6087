import React from 'react';
import { Field, FieldSet, RadioButtonGroup } from '@grafana/ui';

import { QuarryOptions } from '../../types';
import { JsonInput, SecretField } from './Inputs';
import { TlsFields } from './TlsFields';
import { ConfigProps, setJson } from './helpers';

const SSL_MODES: Array<{ label: string; value: NonNullable<QuarryOptions['sslmode']>; description: string }> = [
  { label: 'disable', value: 'disable', description: 'No TLS' },
  { label: 'prefer', value: 'prefer', description: 'TLS when the server offers it, certificate not verified' },
  { label: 'require', value: 'require', description: 'TLS, certificate not verified' },
  { label: 'verify-ca', value: 'verify-ca', description: 'TLS, certificate signed by the CA' },
  { label: 'verify-full', value: 'verify-full', description: 'TLS, CA and host name verified' },
];

/** PostgresSection holds the PostgreSQL connection and TLS settings. */
export function PostgresSection({ props }: { props: ConfigProps }) {
  // Unset is the backend's default, prefer.
  const sslmode = props.options.jsonData.sslmode ?? 'prefer';
  return (
    <>
      <FieldSet label="PostgreSQL connection">
        <JsonInput props={props} name="host" label="Host" placeholder="localhost" />
        <JsonInput props={props} name="port" label="Port" numeric />
        <JsonInput props={props} name="database" label="Database" placeholder="postgres" />
        <JsonInput props={props} name="user" label="User" placeholder="grafana_reader" />
        <SecretField props={props} name="password" label="Password" placeholder="password" />
        <JsonInput props={props} name="connectTimeout" label="Connect timeout" />
      </FieldSet>
      <FieldSet label="PostgreSQL pool">
        <JsonInput
          props={props}
          name="maxConns"
          label="Max connections"
          description="Connections the pool opens at most (1-1000)"
          numeric
        />
        <JsonInput
          props={props}
          name="connMaxLifetime"
          label="Connection lifetime"
          description="A connection is closed and replaced after this long"
        />
      </FieldSet>
      <FieldSet label="TLS">
        <Field label="SSL mode" description={SSL_MODES.find((m) => m.value === sslmode)?.description}>
          <RadioButtonGroup options={SSL_MODES} value={sslmode} onChange={(v) => setJson(props, 'sslmode', v)} />
        </Field>
        {sslmode !== 'disable' && (
          <TlsFields props={props} ca="sslRootCert" client={{ cert: 'sslCert', key: 'sslKey' }} />
        )}
      </FieldSet>
    </>
  );
}
