import { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import { QuarryOptions, QuarrySecureOptions } from '../../types';

export type ConfigProps = DataSourcePluginOptionsEditorProps<QuarryOptions, QuarrySecureOptions>;

export type JsonKey = keyof QuarryOptions;
export type SecureKey = keyof QuarrySecureOptions;

/** setJson returns an updater that stores one jsonData key. */
export function setJson<K extends JsonKey>(props: ConfigProps, key: K, value: QuarryOptions[K]) {
  const { options, onOptionsChange } = props;
  onOptionsChange({ ...options, jsonData: { ...options.jsonData, [key]: value } });
}

/** setSecure stores a new secret; it is sent once and never read back. */
export function setSecure(props: ConfigProps, key: SecureKey, value: string) {
  const { options, onOptionsChange } = props;
  onOptionsChange({ ...options, secureJsonData: { ...(options.secureJsonData ?? {}), [key]: value } });
}

/** resetSecure forgets a configured secret so a new one can be entered. */
export function resetSecure(props: ConfigProps, key: SecureKey) {
  const { options, onOptionsChange } = props;
  onOptionsChange({
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...(options.secureJsonData ?? {}), [key]: '' },
  });
}

/** isConfigured says whether the secret is stored on the server. */
export function isConfigured(props: ConfigProps, key: SecureKey): boolean {
  return Boolean(props.options.secureJsonFields?.[key]);
}

/** toNumber parses an input's text; empty text clears the setting. */
export function toNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') {
    return undefined;
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
