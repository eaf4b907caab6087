import React from 'react';

import { SecretField } from './Inputs';
import { ConfigProps } from './helpers';

/** TlsFields are the PEM inputs shared by PostgreSQL and ClickHouse: CA, and client cert/key for mTLS. */
export function TlsFields({ props, clientAuth }: { props: ConfigProps; clientAuth: boolean }) {
  return (
    <>
      <SecretField
        props={props}
        name="tlsCACert"
        label="CA certificate"
        description="PEM of the CA that signed the server certificate (empty: the system roots)"
        placeholder="-----BEGIN CERTIFICATE-----"
        multiline
      />
      {clientAuth && (
        <>
          <SecretField
            props={props}
            name="tlsClientCert"
            label="Client certificate"
            placeholder="-----BEGIN CERTIFICATE-----"
            multiline
          />
          <SecretField
            props={props}
            name="tlsClientKey"
            label="Client key"
            placeholder="-----BEGIN PRIVATE KEY-----"
            multiline
          />
        </>
      )}
    </>
  );
}
