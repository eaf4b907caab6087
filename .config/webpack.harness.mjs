// The browser test's harness page: the real ConfigEditor and QueryEditor with
// everything bundled (React, @grafana/*, Monaco), written to .cache/harness.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { swcRule } from './webpack.config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default () => ({
  mode: 'development',
  context: root,
  devtool: false,
  entry: { harness: './tests/e2e/harness/index.tsx' },
  output: { path: path.join(root, '.cache/harness'), filename: '[name].js', publicPath: '/', clean: true },
  resolve: { extensions: ['.ts', '.tsx', '.mjs', '.js', '.jsx'] },
  module: {
    rules: [
      { ...swcRule, exclude: /node_modules/ },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(ttf|woff2?|eot|svg|png)$/, type: 'asset/inline' },
    ],
  },
  performance: { hints: false },
  stats: 'errors-warnings',
});
