import React from 'react';
import { Field, FieldSet, RadioButtonGroup, Switch } from '@grafana/ui';

import { QuarryOptions } from '../../types';
import { JsonInput, SecretField } from './Inputs';
import { TlsFields } from './TlsFields';
import { ConfigProps, setJson } from './helpers';

const COMPRESSIONS: Array<{ label: string; value: NonNullable<QuarryOptions['compression']>; description: string }> = [
  {
    label: 'lz4',
    value: 'lz4',
    description: 'Result blocks compressed with LZ4: fewer bytes, a little CPU on both ends',
  },
  { label: 'zstd', value: 'zstd', description: 'Zstandard: fewer bytes still, more CPU' },
  { label: 'none', value: 'none', description: 'Uncompressed: quickest on a fast or local link' },
];

/** ClickHouseSection holds the ClickHouse native-protocol connection, TLS and timeouts. */
export function ClickHouseSection({ props }: { props: ConfigProps }) {
  const { secure: tls, tlsAuth, tlsSkipVerify } = props.options.jsonData;
  // Unset is the backend's default, lz4.
  const compression = props.options.jsonData.compression ?? 'lz4';
  return (
    <>
      <FieldSet label="ClickHouse connection (native protocol)">
        <JsonInput props={props} name="host" label="Host" placeholder="localhost" />
        <JsonInput props={props} name="port" label="Port" placeholder={tls ? '9440' : '9000'} numeric />
        <JsonInput props={props} name="database" label="Database" placeholder="default" />
        <JsonInput props={props} name="user" label="User" placeholder="default" />
        <SecretField props={props} name="password" label="Password" placeholder="password" />
        <JsonInput
          props={props}
          name="dialTimeout"
          label="Dial timeout"
          description="Connecting gives up after this long"
        />
        <JsonInput
          props={props}
          name="maxOpenConns"
          label="Max open connections"
          description="Connections the pool opens at most (1-1000)"
          numeric
        />
        <Field label="Compression" description={COMPRESSIONS.find((c) => c.value === compression)?.description}>
          <RadioButtonGroup
            options={COMPRESSIONS}
            value={compression}
            onChange={(v) => setJson(props, 'compression', v)}
          />
        </Field>
      </FieldSet>
      <FieldSet label="TLS">
        <Field label="Use TLS">
          <Switch
            id="quarry-tls"
            value={Boolean(tls)}
            onChange={(e) => setJson(props, 'secure', e.currentTarget.checked)}
          />
        </Field>
        {tls && (
          <>
            <Field label="Skip certificate verification" description="Only for testing: the connection is not safe">
              <Switch
                id="quarry-tls-skip"
                value={Boolean(tlsSkipVerify)}
                onChange={(e) => setJson(props, 'tlsSkipVerify', e.currentTarget.checked)}
              />
            </Field>
            <Field label="Client certificate (mTLS)">
              <Switch
                id="quarry-tls-auth"
                value={Boolean(tlsAuth)}
                onChange={(e) => setJson(props, 'tlsAuth', e.currentTarget.checked)}
              />
            </Field>
            <JsonInput
              props={props}
              name="tlsServerName"
              label="Server name"
              description="Expected name in the server certificate (default: the host)"
            />
            <TlsFields
              props={props}
              ca="tlsCACert"
              client={tlsAuth ? { cert: 'tlsClientCert', key: 'tlsClientKey' } : undefined}
            />
          </>
        )}
      </FieldSet>
    </>
  );
}
