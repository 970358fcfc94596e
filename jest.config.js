// Four projects so a run can be narrowed (`npm test -- --selectProjects unit`):
// unit tests sit beside the code, contract tests are the consumers' Pact tests,
// e2e tests cross processes and live in test/, verify tests check the real
// providers against the pacts.
const tsJest = ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true, sourceMap: true } }];

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  // Hooks start real Postgres and services; on a busy 2-core machine that can take
  // several seconds. A generous limit is a failure guard, not a timing assertion.
  testTimeout: 30_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{src,providers,consumers}/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.contract\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'contract',
      testMatch: ['<rootDir>/{src,providers,consumers}/**/*.contract.test.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/verify/'],
    },
    {
      // Provider verification: the consumers' contract tests write the pacts
      // once (global setup), then the real services are verified against them.
      ...shared,
      displayName: 'verify',
      testMatch: ['<rootDir>/test/verify/**/*.test.ts'],
      globalSetup: '<rootDir>/test/verify/global-setup.js',
      globalTeardown: '<rootDir>/test/verify/global-teardown.js',
    },
  ],
};
