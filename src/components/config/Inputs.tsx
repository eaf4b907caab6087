import React, { useEffect, useState } from 'react';
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

/**
 * JsonInput edits one jsonData key as text or as a number. A numeric field
 * keeps what is typed ("6.", "1e") until blur, then stores the number; text
 * that is not a number stays in the field with an error and is not stored.
 */
export function JsonInput({ props, name, label, description, placeholder, numeric, invalid }: TextProps) {
  const value = props.options.jsonData[name];
  const shown = value === undefined || value === null ? '' : String(value);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  useEffect(() => {
    // A change from outside (engine switch, reset) replaces the draft.
    setDraft((d) => (d !== undefined && toNumber(d) === value ? d : undefined));
  }, [value]);
  const text = numeric && draft !== undefined ? draft : shown;
  const notNumber = numeric && draft !== undefined && draft.trim() !== '' && toNumber(draft) === undefined;
  const error = invalid ?? (notNumber ? `${label} must be a number` : undefined);
  return (
    <Field label={label} description={description} invalid={Boolean(error)} error={error}>
      <Input
        id={`quarry-${name}`}
        aria-label={label}
        width={40}
        value={text}
        placeholder={placeholder}
        inputMode={numeric ? 'decimal' : undefined}
        onChange={(e) => {
          const t = e.currentTarget.value;
          if (numeric) {
            setDraft(t);
            return;
          }
          setJson(props, name, t as never);
        }}
        onBlur={() => {
          if (numeric && draft !== undefined) {
            const n = toNumber(draft);
            if (draft.trim() === '' || n !== undefined) {
              setJson(props, name, n as never);
              setDraft(undefined);
            }
          }
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
