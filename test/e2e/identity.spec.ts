import type { INestApplication } from '@nestjs/common';
import { Command, CommanderError } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { cliPrincipal, EVENT_STORE, KEY_RECHECK_MS } from '@aftercare/application';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { registerKeysCommand } from '../../apps/cli/src/commands/keys.command';
import { registerAccessLogCommand } from '../../apps/cli/src/commands/keys-access-log.command';
import { registerExportCommand } from '../../apps/cli/src/commands/export.command';
import { registerCustomerCommand } from '../../apps/cli/src/commands/customer.command';
import { registerAuditCommand } from '../../apps/cli/src/commands/audit.command';
import { authed, createApiKey, principalIdOf } from '../support/auth';
import { registration } from '../support/customers';

/** Runs `aftercare <args>` in-process against the configured store, capturing its output. */
async function cli(
  ...args: string[]
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    const program = new Command('aftercare').exitOverride();
    registerKeysCommand(program);
    registerAccessLogCommand(program);
    registerExportCommand(program);
    registerCustomerCommand(program);
    registerAuditCommand(program);
    let exitCode: number | undefined;
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch (error) {
      // `program.error(...)` under exitOverride: the exit code the command chose.
      if (!(error instanceof CommanderError)) throw error;
      exitCode = error.exitCode;
    }
    return {
      exitCode: exitCode ?? Number(process.exitCode ?? 0),
      stdout: out.join('\n'),
      stderr: err.join('\n'),
    };
  } finally {
    process.exitCode = before;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('identities: actors, keys from the CLI, the access log', () => {
  let dir: string;
  let app: INestApplication;
  let adminKey: string;

  const readStream = async (streamId: string): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    for await (const e of app.get<EventStore>(EVENT_STORE).readStream(streamId)) events.push(e);
    return events;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-identity-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_SIGNALS = 'off';
    app = await createApiApp({ logger: false });
    await app.init();
    adminKey = await createApiKey(app);
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.AFTERCARE_SIGNALS;
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the authenticated key as the actor; X-Actor only as "on behalf of" for admins', async () => {
    const agentKey = await createApiKey(app, 'agent');
    await authed(app, agentKey).post('/v1/customers').send(registration('act-1')).expect(201);

    const refused = await authed(app, agentKey)
      .post('/v1/customers/act-1/feedback')
      .set('X-Actor', 'someone-else')
      .send({ nps: 9 })
      .expect(400);
    expect(refused.body.errors).toEqual([
      { field: 'X-Actor', messages: [expect.stringMatching(/admin identities only/)] },
    ]);

    await authed(app, adminKey)
      .post('/v1/customers/act-1/feedback')
      .set('X-Actor', 'Grace at the front desk')
      .send({ nps: 9 })
      .expect(201);

    const events = await readStream('customer-act-1');
    expect(events.map((e) => e.type)).toEqual(['CustomerRegistered', 'FeedbackReceived']);
    expect(events[0].metadata.actor).toBe(principalIdOf(agentKey));
    expect(events[0].metadata.onBehalfOf).toBeUndefined();
    expect(events[1].metadata).toMatchObject({
      actor: principalIdOf(adminKey),
      onBehalfOf: 'Grace at the front desk',
    });
  });

  it('creates a key from the CLI that works at once, lists it, and revokes it (401 within 2 s)', async () => {
    const created = await cli(
      'keys',
      'create',
      '--role',
      'analyst',
      '--name',
      'BI notebook',
      '--actor',
      'ada',
    );
    expect(created.exitCode).toBe(0);
    const key = /(ak_[0-9a-f]{16}_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const id = key!.split('_')[1];

    await authed(app, adminKey).post('/v1/customers').send(registration('cli-1')).expect(201);
    await authed(app, key!).get('/v1/customers/cli-1').expect(200);
    await authed(app, key!).post('/v1/customers/cli-1/feedback').send({ nps: 3 }).expect(403);

    const listed = await cli('keys', 'list', '--json');
    const entry = (JSON.parse(listed.stdout) as Array<Record<string, unknown>>).find(
      (k) => k.id === id,
    );
    expect(entry).toMatchObject({
      role: 'analyst',
      name: 'BI notebook',
      createdBy: 'cli:ada',
      revokedAt: null,
    });
    // The secret is base64url and may itself hold '_': everything after `ak_<id>_`.
    expect(listed.stdout).not.toContain(key!.slice(`ak_${id}_`.length));

    // Revoked by another process: refused once the API looks the key up again (KEY_RECHECK_MS).
    expect((await cli('keys', 'revoke', id, '--actor', 'ada')).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, KEY_RECHECK_MS));
    await authed(app, key!).get('/v1/customers/cli-1').expect(401);
    expect(await cli('keys', 'revoke', id)).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/no active key/),
    });
  });

  it('refuses a bad role or scope with exit code 2 and creates nothing', async () => {
    const before = (JSON.parse((await cli('keys', 'list', '--json')).stdout) as unknown[]).length;
    expect(await cli('keys', 'create', '--role', 'root', '--name', 'x')).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/'root' is not a role/),
    });
    expect(
      await cli('keys', 'create', '--role', 'service', '--name', 'x', '--scope', 'pii:write'),
    ).toMatchObject({
      exitCode: 2,
    });
    expect((JSON.parse((await cli('keys', 'list', '--json')).stdout) as unknown[]).length).toBe(
      before,
    );
  });

  it('records who read personal data and audit views, queryable by an admin only', async () => {
    const analystKey = await createApiKey(app, 'analyst', { name: 'Ana Lyst' });
    const auditorKey = await createApiKey(app, 'auditor');
    await authed(app, adminKey).post('/v1/customers').send(registration('read-1')).expect(201);
    await authed(app, analystKey).get('/v1/customers/read-1?asOf=2025-06-01').expect(200);
    await authed(app, analystKey).get('/v1/customers?limit=5').expect(200);
    await authed(app, auditorKey).get('/v1/warranty-claims/none/audit').expect(404);

    const log = await authed(app, adminKey)
      .get(`/v1/access-log?principal=${principalIdOf(analystKey)}`)
      .expect(200);
    expect(log.body.entries).toEqual([
      expect.objectContaining({
        principalId: principalIdOf(analystKey),
        principalName: 'Ana Lyst',
        action: 'customer.view',
        subject: 'read-1',
        detail: 'asOf=2025-06-01',
        via: 'http',
      }),
      expect.objectContaining({ action: 'customer.list', subject: null, detail: 'limit=5' }),
    ]);
    expect(Date.parse(log.body.entries[0].at)).toBeLessThanOrEqual(Date.now());
    const audit = await authed(app, adminKey).get('/v1/access-log?action=audit.claim').expect(200);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ principalId: principalIdOf(auditorKey), subject: 'none' }),
    ]);

    await authed(app, analystKey).get('/v1/access-log').expect(403);
    await authed(app, adminKey).get('/v1/access-log?from=yesterday').expect(400);

    // A CLI export is a read of personal data too, recorded as the OS user.
    const exported = await cli('export', 'events', '--out', join(dir, 'events.ndjson'));
    expect(exported.exitCode).toBe(0);
    const exports = await authed(app, adminKey)
      .get('/v1/access-log?action=export.events')
      .expect(200);
    expect(exports.body.entries).toEqual([
      expect.objectContaining({ principalId: cliPrincipal().id, via: 'cli', subject: null }),
    ]);

    const fromCli = await cli('access-log', '--subject', 'read-1', '--json');
    expect(fromCli.exitCode).toBe(0);
    expect(fromCli.stdout.split('\n').map((l) => JSON.parse(l).action)).toEqual(['customer.view']);

    // The CLI's customer view, timeline and claim audit open personal data: recorded too.
    const shown = await cli('customer', 'show', 'read-1', '--allow-stale', '--json');
    expect(shown.exitCode).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ customerId: 'read-1' });
    expect((await cli('customer', 'timeline', 'read-1', '--allow-stale')).exitCode).toBe(0);
    expect((await cli('audit', 'claim', 'none')).exitCode).toBe(2);
    const cliReads = await authed(app, adminKey)
      .get(`/v1/access-log?principal=${cliPrincipal().id}`)
      .expect(200);
    expect(
      cliReads.body.entries.map((e: { action: string; subject: string }) => [e.action, e.subject]),
    ).toEqual([
      ['export.events', null],
      ['customer.view', 'read-1'],
      ['customer.timeline', 'read-1'],
      ['audit.claim', 'none'],
    ]);
  });

  it('records every one of many reads made at once (their records share commits)', async () => {
    const agentKey = await createApiKey(app, 'agent');
    await authed(app, adminKey).post('/v1/customers').send(registration('many-1')).expect(201);
    const reads = Array.from({ length: 30 }, (_, i) =>
      authed(app, agentKey).get(
        i % 2 === 0
          ? `/v1/customers/many-1?asOf=2026-01-${String(i + 1).padStart(2, '0')}`
          : `/v1/customers/many-1/timeline?limit=${i}`,
      ),
    );
    const answers = await Promise.all(reads);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

    const log = await authed(app, adminKey)
      .get(`/v1/access-log?principal=${principalIdOf(agentKey)}&limit=100`)
      .expect(200);
    const recorded = (log.body.entries as { action: string; detail: string }[])
      .map((e) => `${e.action} ${e.detail}`)
      .sort();
    const asked = Array.from({ length: 30 }, (_, i) =>
      i % 2 === 0
        ? `customer.view asOf=2026-01-${String(i + 1).padStart(2, '0')}`
        : `customer.timeline limit=${i}`,
    ).sort();
    expect(recorded).toEqual(asked);
  });
});

describe('OIDC bearer tokens', () => {
  const ISSUER_PATH = '/realms/aftercare';
  let dir: string;
  let app: INestApplication;
  let idp: Server;
  let issuer: string;
  let signingKey: KeyLike;
  let strangerKey: KeyLike;
  let jwksFetches = 0;
  const saved = { ...process.env };

  const token = (
    claims: Record<string, unknown>,
    options: { key?: KeyLike; audience?: string; expiresIn?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(options.audience ?? 'aftercare-api')
      .setSubject('user-42')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      if (req.url === `${ISSUER_PATH}/.well-known/openid-configuration`) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/certs` }));
      } else if (req.url === `${ISSUER_PATH}/certs`) {
        jwksFetches += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}${ISSUER_PATH}`;

    dir = mkdtempSync(join(tmpdir(), 'aftercare-oidc-'));
    Object.assign(process.env, {
      AFTERCARE_STORE: 'sqlite',
      AFTERCARE_SQLITE_PATH: join(dir, 'events.db'),
      AFTERCARE_SIGNALS: 'off',
      AFTERCARE_OIDC_ISSUER: issuer,
      AFTERCARE_OIDC_AUDIENCE: 'aftercare-api',
      AFTERCARE_OIDC_ROLES_CLAIM: 'realm_access.roles',
    });
    app = await createApiApp({ logger: false });
    await app.init();
    const adminKey = await createApiKey(app);
    await authed(app, adminKey).post('/v1/customers').send(registration('oidc-1')).expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => idp.close(resolve));
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('admits a token from the issuer by the roles in its claim, records its subject, and fetches the keys once', async () => {
    const agent = await token({
      realm_access: { roles: ['agent', 'offline_access'] },
      name: 'Grace Hopper',
    });
    await authed(app, agent).get('/v1/customers/oidc-1').expect(200);
    await authed(app, agent).post('/v1/customers/oidc-1/feedback').send({ nps: 10 }).expect(201);
    await authed(app, agent).get('/v1/analytics/nps-by-month').expect(403);

    const events: RecordedEvent[] = [];
    for await (const e of app.get<EventStore>(EVENT_STORE).readStream('customer-oidc-1'))
      events.push(e);
    expect(events[events.length - 1].metadata.actor).toBe('oidc:user-42');
    expect(jwksFetches).toBe(1);
  });

  it('refuses tokens for another audience, expired, signed by another key or with no known role', async () => {
    const roles = { realm_access: { roles: ['analyst'] } };
    await authed(app, await token(roles, { audience: 'someone-else' }))
      .get('/v1/customers/oidc-1')
      .expect(401);
    await authed(app, await token(roles, { expiresIn: '-1m' }))
      .get('/v1/customers/oidc-1')
      .expect(401);
    await authed(app, await token(roles, { key: strangerKey }))
      .get('/v1/customers/oidc-1')
      .expect(401);
    await authed(app, 'not.a.jwt').get('/v1/customers/oidc-1').expect(401);
    await authed(app, await token({ realm_access: { roles: ['root'] } }))
      .get('/v1/customers/oidc-1')
      .expect(403);
    await authed(app, await token(roles))
      .get('/v1/customers/oidc-1')
      .expect(200);
  });
});
