import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPLAINT_TARGETS } from '@aftercare/application';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey, principalIdOf } from '../support/auth';

/** GET /v1/session: who the caller is, so a client (the web console) shows what the roles allow. */
describe('the session route', () => {
  let dir: string;
  let app: INestApplication;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-session-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    app = await createApiApp({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['agent', true],
    ['analyst', false],
    ['auditor', false],
    ['service', false],
    ['admin', true],
  ] as const)('tells an %s key its roles and whether it reads personal data', async (role, pii) => {
    const key = await createApiKey(app, role, { name: `console ${role}` });
    const res = await authed(app, key).get('/v1/session').expect(200);
    expect(res.body).toEqual({
      principalId: principalIdOf(key),
      name: `console ${role}`,
      kind: 'api_key',
      roles: [role],
      canReadPii: pii,
      complaintTargets: COMPLAINT_TARGETS,
    });
  });

  it('says that a service key with pii:read reads personal data', async () => {
    const key = await createApiKey(app, 'service', { scopes: ['pii:read'] });
    const res = await authed(app, key).get('/v1/session').expect(200);
    expect(res.body.canReadPii).toBe(true);
  });
});
