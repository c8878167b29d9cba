/**
 * `npm run test:faults`: the fault suite (kill -9 during writes) against the built API. Kept out of
 * the default projects because it spawns and kills processes for minutes.
 */
const { projects, testTimeout } = require('./jest.config');

module.exports = {
  testTimeout,
  projects: [
    {
      ...projects[0],
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
    },
  ],
};
