import React, { useEffect, useState } from 'react';
import { Field, Input, SecretInput, SecretTextArea, Switch } from '@grafana/ui';

import { ConfigProps, isConfigured, JsonKey, resetSecure, SecureKey, setJson, setSecure, toNumber } from './helpers';
import { settingError, settingSpec } from './settings';

/**
 * backendFacts adds the backend's default to a field's description, and
 * returns the backend's message for the stored value (settings.ts).
 */
function backendFacts(props: ConfigProps, name: JsonKey, description?: string) {
  const engine = props.options.jsonData.engine ?? 'duckdb';
  const spec = settingSpec(engine, name);
  const def = spec?.defaultText ? `Default: ${spec.defaultText}.` : '';
  return {
    spec,
    description: [description, def].filter(Boolean).join(description?.endsWith('.') ? ' ' : '. ') || undefined,
    error: settingError(engine, name, props.options.jsonData[name]),
  };
}

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
  const facts = backendFacts(props, name, description);
  const shown = value === undefined || value === null ? '' : String(value);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  useEffect(() => {
    // A change from outside (engine switch, reset) replaces the draft.
    setDraft((d) => (d !== undefined && toNumber(d) === value ? d : undefined));
  }, [value]);
  const text = numeric && draft !== undefined ? draft : shown;
  const notNumber = numeric && draft !== undefined && draft.trim() !== '' && toNumber(draft) === undefined;
  const error = invalid ?? (notNumber ? `${label} must be a number` : draft === undefined ? facts.error : undefined);
  return (
    <Field label={label} description={facts.description} invalid={Boolean(error)} error={error}>
      <Input
        id={`quarry-${name}`}
        aria-label={label}
        width={40}
        value={text}
        placeholder={placeholder ?? (facts.spec?.defaultText || undefined)}
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

interface ListProps {
  props: ConfigProps;
  name: JsonKey;
  label: string;
  description?: string;
  placeholder?: string;
}

/**
 * ListInput edits a jsonData list of names as comma-separated text. The
 * text is kept as typed until blur, then stored as a list (empty: the key
 * is removed); a name the backend refuses is shown with its message.
 */
export function ListInput({ props, name, label, description, placeholder }: ListProps) {
  const value = props.options.jsonData[name];
  const list = Array.isArray(value) ? value.map(String) : [];
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const facts = backendFacts(props, name, description);
  return (
    <Field label={label} description={facts.description} invalid={Boolean(facts.error)} error={facts.error}>
      <Input
        id={`quarry-${name}`}
        aria-label={label}
        width={60}
        value={draft ?? list.join(', ')}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={() => {
          if (draft === undefined) {
            return;
          }
          const names = draft
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n !== '');
          setJson(props, name, (names.length ? names : undefined) as never);
          setDraft(undefined);
        }}
      />
    </Field>
  );
}

/** SwitchInput edits a boolean jsonData key. */
export function SwitchInput({ props, name, label, description }: Omit<ListProps, 'placeholder'>) {
  const facts = backendFacts(props, name, description);
  return (
    <Field label={label} description={facts.description}>
      <Switch
        id={`quarry-${name}`}
        aria-label={label}
        value={Boolean(props.options.jsonData[name])}
        onChange={(e) => setJson(props, name, e.currentTarget.checked as never)}
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
