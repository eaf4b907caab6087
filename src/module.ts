import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { CheatSheet } from './components/query/CheatSheet';
import { DataSource } from './datasource';
import { QuarryOptions, QuarryQuery, QuarrySecureOptions } from './types';

/** plugin registers Quarry: config page, query editor, Explore cheat sheet; annotations and variables are set up by DataSource. */
export const plugin = new DataSourcePlugin<DataSource, QuarryQuery, QuarryOptions, QuarrySecureOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setQueryEditorHelp(CheatSheet);
