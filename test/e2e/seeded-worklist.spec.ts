import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedStore } from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import type { FollowUpTaskView } from '@aftercare/projections';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { buildProgram } from '../../apps/cli/src/program';
import { authed, createApiKey } from '../support/auth';

jest.setTimeout(120_000);

const DAY = 86_400_000;
/** The seeded world ends in the past: the playbooks judge "too old" by the store's own clock. */
const WORLD = {
  customers: 60,
  seed: 'worklist',
  from: '2024-01-01T00:00:00.000Z',
  to: '2025-01-01T00:00:00.000Z',
};

/**
 * An agent who seeds a store and starts the API finds tasks due: the playbooks react to the last
 * 30 days of the seeded world (not to nothing, as against the wall clock, nor to the whole past).
 */
describe('a seeded store has a worklist', () => {
  let dir: string;
  let app: INestApplication | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-worklist-'));
    const path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, synchronous: 'normal' });
    await seedStore(store, WORLD);
    await store.close();
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = path;
    process.env.AFTERCARE_WEBHOOKS = 'off';
    delete process.env.AFTERCARE_READ_MODELS;
    delete process.env.AFTERCARE_READ_MODEL_PATH;
    app = await createApiApp({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /v1/tasks and `tasks today` list tasks from the last days of the seeded world', async () => {
    if (!app) throw new Error('no API');
    const agent = await createApiKey(app, 'agent');
    const now = new Date().toISOString();
    const until = Date.now() + 60_000;
    let tasks: FollowUpTaskView[] = [];
    while (tasks.length === 0) {
      if (Date.now() > until) throw new Error('no task appeared');
      const res = await authed(app, agent).get(
        `/v1/tasks?status=open&due_before=${encodeURIComponent(now)}&limit=200`,
      );
      expect(res.status).toBe(200);
      tasks = (res.body as { items: FollowUpTaskView[] }).items;
      if (tasks.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const end = Date.parse(WORLD.to);
    for (const t of tasks) {
      expect(t.cause?.eventId).toEqual(expect.any(String));
      expect(t.playbook?.version).toBeGreaterThanOrEqual(1);
      if (t.cause?.eventType === 'ChurnBandChanged') continue;
      const at = Date.parse(String(t.cause?.occurredAt));
      expect(at).toBeGreaterThan(end - 31 * DAY);
      expect(at).toBeLessThanOrEqual(end);
    }

    await app.close();
    app = undefined;
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await buildProgram().parseAsync(['tasks', 'today', '--no-progress'], { from: 'user' });
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const text = out.join('\n');
    expect(text).toMatch(/^[1-9]\d* task\(s\) due by /);
    expect(text).toContain(`task ${String(tasks[0].taskId)}`);
  });
});
