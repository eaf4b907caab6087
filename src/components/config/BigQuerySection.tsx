import React from 'react';
import { Field, FieldSet, RadioButtonGroup } from '@grafana/ui';

import { JsonInput, SecretField, SwitchInput } from './Inputs';
import { ConfigProps, setJson } from './helpers';

const AUTH = [
  { label: 'Service account key', value: 'key' as const },
  { label: 'Application Default Credentials', value: 'adc' as const },
];

const PRIORITY = [
  { label: 'Interactive', value: 'INTERACTIVE' as const },
  { label: 'Batch', value: 'BATCH' as const },
];

/** BigQuerySection holds authentication, project, location, endpoint and the job/cost settings. */
export function BigQuerySection({ props }: { props: ConfigProps }) {
  const { authType = 'key', priority = 'INTERACTIVE', storageReadApi } = props.options.jsonData;
  return (
    <>
      <FieldSet label="BigQuery authentication">
        <Field label="Authentication">
          <RadioButtonGroup options={AUTH} value={authType} onChange={(v) => setJson(props, 'authType', v)} />
        </Field>
        {authType === 'key' && (
          <SecretField
            props={props}
            name="serviceAccountKey"
            label="Service account key (JSON)"
            description="The JSON key file of a service account with BigQuery Job User and Data Viewer roles"
            placeholder='{"type": "service_account", ...}'
            multiline
          />
        )}
        <JsonInput
          props={props}
          name="defaultProject"
          label="Project"
          description="Billing project for query jobs (default: the key's project)"
          placeholder="my-project"
        />
        <JsonInput props={props} name="defaultDataset" label="Default dataset" placeholder="analytics" />
        <JsonInput props={props} name="processingLocation" label="Location" placeholder="US" />
        <JsonInput
          props={props}
          name="endpoint"
          label="Endpoint override"
          description="For a BigQuery emulator or a private endpoint"
          placeholder="https://bigquery.googleapis.com"
        />
      </FieldSet>
      <FieldSet label="BigQuery jobs and cost">
        <Field label="Priority">
          <RadioButtonGroup options={PRIORITY} value={priority} onChange={(v) => setJson(props, 'priority', v)} />
        </Field>
        <JsonInput
          props={props}
          name="maxBytesBilled"
          label="Maximum bytes billed"
          description="Set on every job: BigQuery refuses a query that would bill more"
          placeholder="0 (project default)"
          numeric
        />
        <JsonInput
          props={props}
          name="pricePerTiB"
          label="Price per TiB (USD)"
          description="Used to turn dry-run bytes into dollars"
          numeric
        />
      </FieldSet>
      <FieldSet label="BigQuery results">
        <JsonInput
          props={props}
          name="pageSize"
          label="Page size"
          description="Rows asked for per result page (1-100000)"
          numeric
        />
        <SwitchInput
          props={props}
          name="storageReadApi"
          label="Storage Read API"
          description="Read results as Arrow through the BigQuery Storage Read API where the job's results permit it, else REST pages (needs the bigquery.readsessions.create permission)"
        />
        {storageReadApi && (
          <JsonInput
            props={props}
            name="storageEndpoint"
            label="Storage Read API endpoint"
            description="host:port of the Storage Read API (plaintext, e.g. an emulator); empty: Google's"
            placeholder="127.0.0.1:9060"
          />
        )}
      </FieldSet>
    </>
  );
}
