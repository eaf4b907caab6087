import React from 'react';
import { Field, Input, SecretInput, SecretTextArea } from '@grafana/ui';

import { ConfigProps, isConfigured, JsonKey, resetSecure, SecureKey, setJson, setSecure, toNumber } from './helpers';

interface TextProps {
  props: ConfigProps;
  name: JsonKey;
  label: string;
  description?: string;
  placeholder?: string;
  numeric?: boolean;
  invalid?: string;
}

/** JsonInput edits one jsonData key as text or as a number. */
export function JsonInput({ props, name, label, description, placeholder, numeric, invalid }: TextProps) {
  const value = props.options.jsonData[name];
  return (
    <Field label={label} description={description} invalid={Boolean(invalid)} error={invalid}>
      <Input
        id={`quarry-${name}`}
        aria-label={label}
        width={40}
        value={value === undefined || value === null ? '' : String(value)}
        placeholder={placeholder}
        inputMode={numeric ? 'decimal' : undefined}
        onChange={(e) => {
          const text = e.currentTarget.value;
          setJson(props, name, (numeric ? toNumber(text) : text) as never);
        }}
      />
    </Field>
  );
}

interface SecretProps {
  props: ConfigProps;
  name: SecureKey;
  label: string;
  description?: string;
  placeholder?: string;
  multiline?: boolean;
}

/** SecretField edits a secureJsonData key: write-only, shown as "configured" with Reset once saved. */
export function SecretField({ props, name, label, description, placeholder, multiline }: SecretProps) {
  const configured = isConfigured(props, name);
  const value = props.options.secureJsonData?.[name] ?? '';
  const common = {
    id: `quarry-secret-${name}`,
    'aria-label': label,
    isConfigured: configured,
    value,
    placeholder,
    onReset: () => resetSecure(props, name),
  };
  return (
    <Field label={label} description={description}>
      {multiline ? (
        <SecretTextArea
          {...common}
          cols={60}
          rows={6}
          onChange={(e) => setSecure(props, name, e.currentTarget.value)}
        />
      ) : (
        <SecretInput {...common} width={40} onChange={(e) => setSecure(props, name, e.currentTarget.value)} />
      )}
    </Field>
  );
}
