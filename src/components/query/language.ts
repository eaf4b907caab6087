import type * as monacoType from 'monaco-editor';

import { Engine } from '../../types';

type Monaco = typeof monacoType;

const COMMON_KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'ORDER',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'AS',
  'ON',
  'USING',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'CROSS',
  'UNION',
  'ALL',
  'DISTINCT',
  'INTERSECT',
  'EXCEPT',
  'WITH',
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'NULL',
  'LIKE',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'ASC',
  'DESC',
  'TRUE',
  'FALSE',
  'OVER',
  'PARTITION',
  'WINDOW',
  'ROWS',
  'RANGE',
  'INTERVAL',
  'EXISTS',
  'EXTRACT',
  'EXPLAIN',
  'SHOW',
  'DESCRIBE',
  'FILTER',
  'NULLS',
  'FIRST',
  'LAST',
  'RECURSIVE',
  'VALUES',
  'LATERAL',
];

/** Keywords, types and comment/quote rules that differ per dialect. */
const DIALECTS: Record<
  Engine,
  { keywords: string[]; types: string[]; identQuote: string; backslash: boolean; hashComment: boolean }
> = {
  postgres: {
    keywords: ['ILIKE', 'SIMILAR', 'RETURNING', 'FETCH', 'ONLY', 'TABLESAMPLE', 'DISTINCT ON', 'AT', 'ZONE'],
    types: [
      'TIMESTAMPTZ',
      'TIMESTAMP',
      'DATE',
      'TEXT',
      'INTEGER',
      'BIGINT',
      'NUMERIC',
      'JSONB',
      'BOOLEAN',
      'INTERVAL',
      'DOUBLE',
    ],
    identQuote: '"',
    backslash: false,
    hashComment: false,
  },
  duckdb: {
    keywords: [
      'ILIKE',
      'QUALIFY',
      'PIVOT',
      'UNPIVOT',
      'EXCLUDE',
      'REPLACE',
      'ASOF',
      'POSITIONAL',
      'SAMPLE',
      'AT',
      'ZONE',
    ],
    types: [
      'TIMESTAMPTZ',
      'TIMESTAMP',
      'DATE',
      'VARCHAR',
      'INTEGER',
      'BIGINT',
      'DOUBLE',
      'DECIMAL',
      'JSON',
      'BOOLEAN',
      'HUGEINT',
    ],
    identQuote: '"',
    backslash: false,
    hashComment: false,
  },
  clickhouse: {
    keywords: [
      'PREWHERE',
      'FINAL',
      'SAMPLE',
      'SETTINGS',
      'FORMAT',
      'ARRAY',
      'GLOBAL',
      'ANY',
      'ASOF',
      'TOTALS',
      'FILL',
      'STEP',
      'ILIKE',
    ],
    types: [
      'DateTime',
      'DateTime64',
      'Date',
      'String',
      'UInt64',
      'Int64',
      'Float64',
      'Decimal',
      'Map',
      'Array',
      'Nullable',
      'LowCardinality',
    ],
    identQuote: '`',
    backslash: true,
    hashComment: false,
  },
  bigquery: {
    keywords: [
      'QUALIFY',
      'UNNEST',
      'STRUCT',
      'ARRAY',
      'SAFE_CAST',
      'EXCEPT',
      'REPLACE',
      'TABLESAMPLE',
      'FOR',
      'SYSTEM_TIME',
      'OF',
      'IGNORE',
    ],
    types: [
      'TIMESTAMP',
      'DATETIME',
      'DATE',
      'STRING',
      'INT64',
      'FLOAT64',
      'NUMERIC',
      'BIGNUMERIC',
      'BOOL',
      'BYTES',
      'JSON',
      'GEOGRAPHY',
    ],
    identQuote: '`',
    backslash: true,
    hashComment: true,
  },
};

/** keywordsFor lists the dialect's keywords (the common ones and its own) for completion. */
export function keywordsFor(engine: Engine): string[] {
  const d = DIALECTS[engine] ?? DIALECTS.duckdb;
  return Array.from(new Set([...COMMON_KEYWORDS, ...d.keywords]));
}

/** languageId names the Monaco language of a dialect. */
export function languageId(engine: Engine): string {
  return `quarry-${engine}`;
}

/** monarch builds the Monarch tokenizer of one dialect (macros and variables stand out from SQL). */
export function monarch(engine: Engine): monacoType.languages.IMonarchLanguage {
  const d = DIALECTS[engine] ?? DIALECTS.duckdb;
  const q = d.identQuote;
  const stringBody: monacoType.languages.IMonarchLanguageRule[] = d.backslash
    ? [
        [/[^\\']+/, 'string'],
        [/\\./, 'string.escape'],
        [/'/, { token: 'string', next: '@pop' }],
      ]
    : [
        [/[^']+/, 'string'],
        [/''/, 'string.escape'],
        [/'/, { token: 'string', next: '@pop' }],
      ];
  return {
    ignoreCase: true,
    defaultToken: '',
    keywords: [...COMMON_KEYWORDS, ...d.keywords.filter((k) => !k.includes(' '))],
    typeKeywords: d.types,
    tokenizer: {
      root: [
        [/\$__\w+/, 'predefined'],
        [/\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]/, 'variable'],
        [/--.*$/, 'comment'],
        ...(d.hashComment ? [[/#.*$/, 'comment'] as monacoType.languages.IMonarchLanguageRule] : []),
        [/\/\*/, { token: 'comment', next: '@comment' }],
        [/'/, { token: 'string', next: '@string' }],
        [new RegExp(escapeRe(q)), { token: 'identifier.quote', next: '@quoted' }],
        [/\d+(\.\d+)?([eE][+-]?\d+)?/, 'number'],
        [/[a-zA-Z_][\w]*/, { cases: { '@keywords': 'keyword', '@typeKeywords': 'type', '@default': 'identifier' } }],
        [/[<>=!%&+\-*/|~^:]+/, 'operator'],
        [/[;,.]/, 'delimiter'],
        [/[()[\]]/, '@brackets'],
      ],
      comment: [
        [/[^*/]+/, 'comment'],
        [/\*\//, { token: 'comment', next: '@pop' }],
        [/[*/]/, 'comment'],
      ],
      string: stringBody,
      quoted: [
        [new RegExp(`[^${escapeRe(q)}]+`), 'identifier'],
        [new RegExp(escapeRe(q)), { token: 'identifier.quote', next: '@pop' }],
      ],
    },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&');
}

/** registerLanguage defines the dialect's language once per Monaco instance. */
export function registerLanguage(monaco: Monaco, engine: Engine): string {
  const id = languageId(engine);
  if (!monaco.languages.getLanguages().some((l) => l.id === id)) {
    monaco.languages.register({ id, aliases: [`SQL (${engine})`] });
    monaco.languages.setMonarchTokensProvider(id, monarch(engine));
    monaco.languages.setLanguageConfiguration(id, {
      comments: { lineComment: '--', blockComment: ['/*', '*/'] },
      brackets: [
        ['(', ')'],
        ['[', ']'],
      ],
      autoClosingPairs: [
        { open: '(', close: ')' },
        { open: "'", close: "'", notIn: ['string'] },
        { open: '[', close: ']' },
      ],
      // $ belongs to words so "$__ti" completes as one word.
      wordPattern: /(-?\d*\.\d\w*)|([^`~!@#%^&*()\-=+[{\]}\\|;:'",.<>/?\s]+)/g,
    });
  }
  return id;
}
