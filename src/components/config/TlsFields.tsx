import React from 'react';
import { Field, TextArea } from '@grafana/ui';

import { SecretField } from './Inputs';
import { ConfigProps, JsonKey, SecureKey, setJson } from './helpers';

interface Props {
  props: ConfigProps;
  /** jsonData key of the CA bundle (PEM; not a secret). */
  ca: JsonKey;
  /** jsonData key of the client certificate, and secureJsonData key of its private key; omitted without mTLS. */
  client?: { cert: JsonKey; key: SecureKey };
}

/** TlsFields are the PEM inputs for TLS: the CA to trust and, for mTLS, the client certificate and its secret key. */
export function TlsFields({ props, ca, client }: Props) {
  return (
    <>
      <PemField
        props={props}
        name={ca}
        label="CA certificate"
        description="PEM of the CA that signed the server certificate (empty: the system roots)"
      />
      {client && (
        <>
          <PemField props={props} name={client.cert} label="Client certificate" description="PEM, for mutual TLS" />
          <SecretField
            props={props}
            name={client.key}
            label="Client key"
            description="PEM private key of the client certificate"
            placeholder="-----BEGIN PRIVATE KEY-----"
            multiline
          />
        </>
      )}
    </>
  );
}

/** PemField edits a PEM jsonData key (a certificate, not a secret). */
export function PemField({
  props,
  name,
  label,
  description,
}: {
  props: ConfigProps;
  name: JsonKey;
  label: string;
  description: string;
}) {
  const value = props.options.jsonData[name];
  return (
    <Field label={label} description={description}>
      <TextArea
        id={`quarry-${name}`}
        aria-label={label}
        cols={60}
        rows={5}
        placeholder="-----BEGIN CERTIFICATE-----"
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => setJson(props, name, e.currentTarget.value as never)}
      />
    </Field>
  );
}
