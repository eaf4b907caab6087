// Unit tests: Jest + SWC + jsdom + React Testing Library.

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  setupFilesAfterEnv: ['<rootDir>/.config/jest-setup.ts'],
  transform: {
    '^.+\\.(m?js|jsx|tsx?)$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'classic' } } } },
    ],
  },
  // Several of @grafana/ui's dependencies ship only ES modules; SWC compiles everything (cached after the first run).
  transformIgnorePatterns: [
    '/node_modules/(?:react|react-dom|scheduler|monaco-editor|jsdom|moment|moment-timezone|lodash)/',
  ],
  moduleNameMapper: {
    '\\.(css|scss|sass)$': 'identity-obj-proxy',
    '^monaco-editor$': '<rootDir>/.config/mocks/monaco.ts',
  },
  testTimeout: 20000,
};
