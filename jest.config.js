/** One jest run covers every project; `--selectProjects` picks one (see package.json). */
const moduleNameMapper = {
  // The adapters' own import paths (@aftercare/event-store/sqlite, /postgres, /eventstoredb).
  '^@aftercare/event-store/(sqlite|postgres|eventstoredb)$': '<rootDir>/libs/event-store/src/$1',
  // The entry points' configuration check, loaded before the application.
  '^@aftercare/application/startup$': '<rootDir>/libs/application/src/startup',
  '^@aftercare/(domain|event-store|projections|read-models|analytics|application|simulation)$':
    '<rootDir>/libs/$1/src',
};
const transform = {
  // Type checking is done once by `npm run typecheck`; jest only transpiles.
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
};
// Generous per-test limit: on 2 shared cores a suite's waits can stretch; passing tests are unaffected.
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform,
  testTimeout: 30_000,
};

module.exports = {
  // Two workers on the two cores: most suites wait on PostgreSQL, timers and child processes, so
  // two at a time roughly halves the wall time (jest's default here is one, cores minus one).
  maxWorkers: 2,
  // testTimeout is a global option: inside `projects` jest ignores it and falls back to 5 s.
  testTimeout: 30_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'],
    },
    { ...base, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
    // The web console in Debian's Chromium (playwright-core drives /usr/bin/chromium).
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
  ],
};
