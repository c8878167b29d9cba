import { ConfigError } from '@aftercare/event-store';
import { validateConfiguration } from './startup';

describe('validateConfiguration', () => {
  it('accepts the defaults: npm start needs no settings', () => {
    expect(() => validateConfiguration({})).not.toThrow();
  });

  it.each([
    ['AFTERCARE_STORE', { AFTERCARE_STORE: 'mongodb' }],
    ['AFTERCARE_SQLITE_SYNCHRONOUS', { AFTERCARE_SQLITE_SYNCHRONOUS: 'sometimes' }],
    ['EVENTSTORE_URL', { AFTERCARE_STORE: 'eventstoredb' }],
    ['EVENTSTORE_URL', { AFTERCARE_STORE: 'eventstoredb', EVENTSTORE_URL: 'http://x:2113' }],
    ['DATABASE_URL', { AFTERCARE_STORE: 'postgres', DATABASE_URL: 'mysql://x' }],
    ['AFTERCARE_PG_SCHEMA', { AFTERCARE_PG_SCHEMA: 'Drop Table' }],
    ['AFTERCARE_PROJECTIONS', { AFTERCARE_PROJECTIONS: 'maybe' }],
    ['AFTERCARE_READ_MODELS', { AFTERCARE_READ_MODELS: 'redis' }],
    ['AFTERCARE_PG_READ_SCHEMA', { AFTERCARE_PG_READ_SCHEMA: '1x' }],
    ['AFTERCARE_SIGNALS', { AFTERCARE_SIGNALS: 'yes' }],
    ['AFTERCARE_SIGNALS_SWEEP_MS', { AFTERCARE_SIGNALS_SWEEP_MS: '-5' }],
    ['AFTERCARE_WEBHOOKS', { AFTERCARE_WEBHOOKS: 'sometimes' }],
    ['PORT', { PORT: 'eighty' }],
  ])('stops with a message naming %s', (variable, env) => {
    let error: unknown;
    try {
      validateConfiguration(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });
});
