import 'reflect-metadata';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { RuntimeStatus } from '@aftercare/application';
import { projections } from '@aftercare/projections';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';

describe('health: live, ready and detail from the runtime snapshot', () => {
  let dir: string;
  let app: INestApplication;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-health-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_STATUS_REFRESH_MS = '50';
    app = await createApiApp({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.AFTERCARE_SQLITE_PATH;
    delete process.env.AFTERCARE_STATUS_REFRESH_MS;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers liveness without credentials', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('is ready once the store is reachable and the projections run here have caught up', async () => {
    const runtime = app.get(RuntimeStatus);
    const deadline = Date.now() + 15_000;
    let res = await request(app.getHttpServer()).get('/health/ready');
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await runtime.refresh();
      res = await request(app.getHttpServer()).get('/health/ready');
    }
    expect(res.status).toBe(200);
    expect(res.body.details).toMatchObject({
      store: { status: 'up' },
      readModels: { status: 'up' },
      projections: { status: 'up', failed: [], lagging: [] },
    });
  });

  it('details every projection with checkpoint and lag, the loops and the event loop delay', async () => {
    await request(app.getHttpServer()).get('/health').expect(401);
    const service = await createApiKey(app, 'service');
    const res = await authed(app, service).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    const items = res.body.details.projections.items as { name: string; lag: number }[];
    expect(items.map((p) => p.name)).toEqual(
      expect.arrayContaining(['customer_profile', 'satisfaction', 'warranty_claims']),
    );
    for (const item of items) expect(item.lag).toBe(0);
    expect(res.body.details.loops.status).toBe('up');
    expect(res.body.eventLoop).toEqual({ p99Ms: expect.any(Number), maxMs: expect.any(Number) });
  });

  it('says on every read how fresh the read models are, from the cached snapshot', async () => {
    await app.get(RuntimeStatus).refresh();
    const analyst = await createApiKey(app, 'analyst');
    const res = await authed(app, analyst).get('/v1/customers').expect(200);
    const head = BigInt(res.headers['x-aftercare-head']);
    expect(BigInt(res.headers['x-aftercare-checkpoint'])).toBeLessThanOrEqual(head);
    expect(res.headers['x-aftercare-lag']).toBe('0');
    expect(Date.parse(res.headers['x-aftercare-status-at'])).not.toBeNaN();
  });
});

describe('health: not ready while a killed process still holds the projection leases', () => {
  let dir: string;
  let app: INestApplication;

  afterAll(async () => {
    await app?.close();
    delete process.env.AFTERCARE_SQLITE_PATH;
    delete process.env.AFTERCARE_STATUS_REFRESH_MS;
    rmSync(dir, { recursive: true, force: true });
  });

  it('says not ready until this instance runs the projections the dead one held', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-health-kill-'));
    const path = join(dir, 'events.db');
    // What kill -9 leaves behind: leases of a process of this host that no longer exists, until
    // they expire (here: when the test says so, so a slow start cannot outlive them).
    const db = new Database(path);
    db.exec(
      'CREATE TABLE rm_projection_lease (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const owner = `${hostname()}:${String(dead.stdout)}:deadbeef`;
    const insert = db.prepare('INSERT INTO rm_projection_lease VALUES (?, ?, ?)');
    for (const name of projections.map((p) => p.name))
      insert.run(name, owner, Date.now() + 600_000);
    db.close();

    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = path;
    process.env.AFTERCARE_STATUS_REFRESH_MS = '50';
    app = await createApiApp({ logger: false });
    await app.init();
    const runtime = app.get(RuntimeStatus);
    await runtime.refresh();
    const early = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(early.body.details.projections.orphaned).toEqual(
      expect.arrayContaining(projections.map((p) => p.name)),
    );

    // Once the leases expire, this instance takes them over and becomes ready.
    const expire = new Database(path);
    expire
      .prepare('UPDATE rm_projection_lease SET expires_at = ? WHERE owner = ?')
      .run(Date.now(), owner);
    expire.close();
    const deadline = Date.now() + 25_000;
    let res = early;
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await runtime.refresh();
      res = await request(app.getHttpServer()).get('/health/ready');
    }
    expect(res.status).toBe(200);
    expect(res.body.details.projections.orphaned).toEqual([]);
  }, 40_000);
});
