import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Infrastructure the pure domain and analytics libraries must never reach.
const impure = [
  '@nestjs/*',
  '@eventstore/*',
  '@grpc/*',
  'better-sqlite3',
  'pg',
  'rxjs',
  'rxjs/*',
  'fs',
  'node:fs',
  'fs/*',
  'node:fs/*',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'child_process',
  'node:child_process',
  'worker_threads',
  'node:worker_threads',
  '@aftercare/event-store',
  '@aftercare/application',
  '@aftercare/projections',
  '@aftercare/read-models',
  '@aftercare/simulation',
];

// No clock, no timers, no randomness, no I/O globals: what keeps a pure library replayable.
const noClockNoRandomness = {
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'The domain has no clock.' },
    { name: 'setInterval', message: 'The domain has no clock.' },
    { name: 'fetch', message: 'The domain does no I/O.' },
    { name: 'process', message: 'The domain does not read its environment.' },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: 'The domain has no clock: time comes in with the command.',
    },
    {
      selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
      message: 'The domain has no clock: time comes in with the command.',
    },
  ],
  'no-restricted-properties': [
    'error',
    {
      object: 'Math',
      property: 'random',
      message: 'The domain has no randomness: ids come with the command.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['libs/domain/**/*.ts', 'libs/analytics/**/*.ts', 'libs/simulation/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: impure,
              message:
                'libs/domain, libs/analytics and libs/simulation stay pure: no Nest, no store, no I/O.',
            },
          ],
        },
      ],
      ...noClockNoRandomness,
    },
  },
  {
    // The folds: pure too, but they read the store's event shape (types only, erased at build).
    files: ['libs/projections/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: impure.filter((name) => name !== '@aftercare/event-store'),
              message: 'libs/projections stays pure: no Nest, no store, no I/O.',
            },
            {
              group: ['@aftercare/event-store'],
              allowTypeImports: true,
              message: 'libs/projections may import types from the event store, nothing else.',
            },
          ],
        },
      ],
      ...noClockNoRandomness,
    },
  },
);
