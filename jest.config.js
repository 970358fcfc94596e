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

// `npm run test:soak` (MESHPACT_SOAK=on) runs only the soak tests, *.soak.test.ts:
// long, bounded by counts from the environment (README, "Soak tests"). `npm test`
// never runs them.
const soak = {
  ...shared,
  displayName: 'soak',
  testMatch: ['<rootDir>/test/**/*.soak.test.ts'],
};

/** @type {import('jest').Config} */
export default {
  // Hooks start real Postgres and services; on a busy 2-core machine that can take
  // several seconds. A generous limit is a failure guard, not a timing assertion.
  testTimeout: 30_000,
  projects:
    process.env.MESHPACT_SOAK === 'on'
      ? [soak]
      : [
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
            testPathIgnorePatterns: ['<rootDir>/test/verify/', '\\.soak\\.test\\.ts$'],
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
