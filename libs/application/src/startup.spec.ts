import { ConfigError } from '@aftercare/event-store';
import { Test } from '@nestjs/testing';
import {
  AFTERCARE_CONFIG,
  AftercareConfigModule,
  loadAftercareConfig,
} from './config/aftercare-config';
import { followUpSettings } from './follow-ups/follow-up-settings';
import { signalSettings } from './signals/signal-settings';
import { validateConfiguration } from './startup';
import { webhookSettings } from './webhooks/webhook-settings';

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
    ['AFTERCARE_WEBHOOK_TIMEOUT_MS', { AFTERCARE_WEBHOOK_TIMEOUT_MS: 'soon' }],
    ['AFTERCARE_WEBHOOK_MAX_ATTEMPTS', { AFTERCARE_WEBHOOK_MAX_ATTEMPTS: '0' }],
    ['AFTERCARE_WEBHOOK_ALLOW_HOSTS', { AFTERCARE_WEBHOOK_ALLOW_HOSTS: 'a host/x' }],
    ['AFTERCARE_PLAYBOOKS', { AFTERCARE_PLAYBOOKS: 'sure' }],
    ['AFTERCARE_FOLLOW_UP_SWEEP_MS', { AFTERCARE_FOLLOW_UP_SWEEP_MS: '1.5' }],
    ['AFTERCARE_PROMISE_GRACE_MINUTES', { AFTERCARE_PROMISE_GRACE_MINUTES: '-1' }],
    ['AFTERCARE_MASTER_KEY', { AFTERCARE_MASTER_KEY: 'short' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['AFTERCARE_CLV_REFIT_HOURS', { AFTERCARE_CLV_REFIT_HOURS: 'daily' }],
    ['AFTERCARE_SSE_HEARTBEAT_MS', { AFTERCARE_SSE_HEARTBEAT_MS: '10' }],
    ['AFTERCARE_LOOP_LEASE_TTL_MS', { AFTERCARE_LOOP_LEASE_TTL_MS: 'long' }],
    ['AFTERCARE_READY_MAX_LAG', { AFTERCARE_READY_MAX_LAG: 'some' }],
    ['AFTERCARE_REBUILD_LAG', { AFTERCARE_REBUILD_LAG: '-5' }],
    ['AFTERCARE_AUDIT_CHECKPOINT_MINUTES', { AFTERCARE_AUDIT_CHECKPOINT_MINUTES: 'hourly' }],
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

describe('the typed configuration (@nestjs/config)', () => {
  it('holds every setting with its default', () => {
    const config = loadAftercareConfig({});
    expect(config).toMatchObject({
      store: { kind: 'sqlite', sqlitePath: './data/aftercare.db' },
      readModels: {
        run: undefined,
        kind: 'sqlite',
        path: './data/aftercare.db',
        rebuildLag: 50_000n,
      },
      runtimeStatus: { refreshMs: 1000, readyMaxLag: 1000n },
      loopLeaseTtlMs: 15_000,
      clvRefitHours: 24,
      sseHeartbeatMs: 15_000,
      auditCheckpointMinutes: 60,
      server: { port: 3000, host: '127.0.0.1' },
      signals: { enabled: undefined, sweepIntervalMs: 60_000 },
      followUps: { enabled: undefined, sweepIntervalMs: 60_000, promiseGraceMs: 3_600_000 },
      webhooks: { dispatch: undefined, timeoutMs: 10_000, defaultMaxAttempts: 8 },
    });
  });

  it('turns the offline rebuild of far-behind projections off, or sets its lag', () => {
    expect(loadAftercareConfig({ AFTERCARE_REBUILD_LAG: 'off' }).readModels.rebuildLag).toBe(
      undefined,
    );
    expect(loadAftercareConfig({ AFTERCARE_REBUILD_LAG: '200' }).readModels.rebuildLag).toBe(200n);
  });

  it('leaves the background loops to where the projections run unless switched', () => {
    const config = loadAftercareConfig({ AFTERCARE_SIGNALS: 'off', AFTERCARE_WEBHOOKS: 'ON' });
    expect(signalSettings(config.signals, true).enabled).toBe(false);
    expect(webhookSettings(config.webhooks, false).dispatch).toBe(true);
    expect(followUpSettings(config.followUps, true).enabled).toBe(true);
    expect(followUpSettings(config.followUps, false).enabled).toBe(false);
  });

  it('is what a module injects, read from the environment when the application is built', async () => {
    process.env.AFTERCARE_SSE_HEARTBEAT_MS = '2500';
    process.env.PORT = '4100';
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [AftercareConfigModule],
      }).compile();
      expect(moduleRef.get(AFTERCARE_CONFIG)).toMatchObject({
        sseHeartbeatMs: 2500,
        server: { port: 4100 },
      });
      process.env.AFTERCARE_SSE_HEARTBEAT_MS = 'often';
      await expect(
        Test.createTestingModule({ imports: [AftercareConfigModule] }).compile(),
      ).rejects.toThrow(/AFTERCARE_SSE_HEARTBEAT_MS/);
    } finally {
      delete process.env.AFTERCARE_SSE_HEARTBEAT_MS;
      delete process.env.PORT;
    }
  });
});
