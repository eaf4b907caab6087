import React from 'react';
import { FieldSet } from '@grafana/ui';

import { JsonInput } from './Inputs';
import { ConfigProps } from './helpers';

const DURATION = /^\s*$|^\s*\d+(\.\d+)?\s*$|^\s*(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+\s*$/;

/** durationError says why a duration text is not valid (or undefined when it is). */
export function durationError(text?: string): string | undefined {
  return text === undefined || DURATION.test(text)
    ? undefined
    : 'Use a duration such as "30s", "2m" or a number of seconds';
}

/** DefaultsSection holds the engine-independent limits: row cap, timeouts, cache and cost guardrails. */
export function DefaultsSection({ props }: { props: ConfigProps }) {
  const { queryTimeout, cacheTTL } = props.options.jsonData;
  return (
    <>
      <FieldSet label="Query defaults">
        <JsonInput
          props={props}
          name="maxRows"
          label="Row cap"
          description="Queries return at most this many rows; a LIMIT is added when missing"
          placeholder="100000"
          numeric
        />
        <JsonInput
          props={props}
          name="queryTimeout"
          label="Query timeout"
          placeholder="60s"
          invalid={durationError(queryTimeout)}
        />
        <JsonInput
          props={props}
          name="cacheTTL"
          label="Cache TTL"
          description="Identical final SQL is served from the cache for this long (0 disables the cache)"
          placeholder="30s"
          invalid={durationError(cacheTTL)}
        />
      </FieldSet>
      <FieldSet label="Cost guardrails">
        <JsonInput
          props={props}
          name="maxBytes"
          label="Maximum bytes scanned"
          description="Queries whose estimate scans more are refused before they run (empty: no limit)"
          placeholder="1099511627776"
          numeric
        />
        <JsonInput props={props} name="maxUSD" label="Maximum cost (USD)" placeholder="5" numeric />
        <JsonInput
          props={props}
          name="maxEstimatedRows"
          label="Maximum estimated rows"
          placeholder="100000000"
          numeric
        />
      </FieldSet>
      <FieldSet label="Ad hoc filters">
        <JsonInput
          props={props}
          name="adhocTable"
          label="Filter keys from table"
          description="dataset.table whose columns are offered as ad hoc filter keys; values are sampled within the time range"
          placeholder="sample.http_requests"
        />
      </FieldSet>
    </>
  );
}
