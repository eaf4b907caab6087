// Production build of the plugin's frontend (create-plugin style): an AMD
// dist/module.js with Grafana's shared libraries as externals, plus the files
// Grafana reads from the plugin folder.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const pluginJson = JSON.parse(fs.readFileSync(path.join(root, 'plugin.json'), 'utf8'));

/** Libraries Grafana provides to plugins at run time. */
export const GRAFANA_EXTERNALS = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'react',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'react-router-dom',
  'd3',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

/** swcRule compiles TypeScript and JSX with SWC (classic React runtime). */
export const swcRule = {
  test: /\.[tj]sx?$/,
  exclude: /node_modules/,
  use: {
    loader: 'swc-loader',
    options: {
      jsc: {
        baseUrl: root,
        target: 'es2020',
        loose: false,
        parser: { syntax: 'typescript', tsx: true, decorators: false },
        transform: { react: { runtime: 'classic' } },
      },
    },
  },
};

function today() {
  return new Date().toISOString().slice(0, 10);
}

export default (env = {}) => ({
  mode: env.production ? 'production' : 'development',
  context: root,
  devtool: env.production ? 'source-map' : 'eval-source-map',
  entry: { module: './src/module.ts' },
  externals: GRAFANA_EXTERNALS,
  output: {
    path: path.join(root, 'dist'),
    filename: '[name].js',
    library: { type: 'amd' },
    publicPath: `public/plugins/${pluginJson.id}/`,
    clean: { keep: /^gpx_/ },
    uniqueName: pluginJson.id,
  },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx'] },
  module: {
    rules: [swcRule, { test: /\.svg$/, type: 'asset/resource' }],
  },
  performance: { hints: false },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        {
          from: 'plugin.json',
          to: '.',
          transform: (content) =>
            content
              .toString()
              .replace(/%VERSION%/g, pkg.version)
              .replace(/%TODAY%/g, today()),
        },
        { from: 'README.md', to: '.' },
        { from: 'CHANGELOG.md', to: '.' },
        {
          from: fs.existsSync(path.join(root, 'img/logo.svg')) ? 'img/logo.svg' : 'src/img/logo.svg',
          to: 'img/logo.svg',
        },
      ],
    }),
  ],
});
