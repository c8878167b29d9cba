import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EVENT_STORE,
  FollowUpRuntime,
  PLAYBOOKS_CHECKPOINT,
  PROJECTION_ENGINE,
} from '@aftercare/application';
import { DEFAULT_PLAYBOOKS, followUpTaskStreamId } from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import type { ProjectionEngine } from '@aftercare/read-models';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { buildProgram } from '../../apps/cli/src/program';
import { authed, createApiKey } from '../support/auth';
import { ResponseValidator, type OpenApiDocument } from '../support/openapi';

jest.setTimeout(90_000);

const HOUR = 3_600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * An agent's day through the HTTP API: playbooks turn a delivery into a courtesy call due in two
 * days, traceable to the playbook version and the delivery event; the sweep makes a missed call
 * overdue and escalates it; an issue found on a call opens a complaint; promises are kept or
 * broken (by the agent or by the clock), and the kept rate shows per agent and per queue.
 */
describe('follow-ups and promises', () => {
  let dir: string;
  let app: INestApplication | undefined;
  let store: EventStore;
  let validator: ResponseValidator;
  let admin: string;
  let agent: string;
  const failures: string[] = [];
  const api = (): INestApplication => {
    if (!app) throw new Error('the API is closed');
    return app;
  };

  const call = async (
    key: string,
    method: 'get' | 'post',
    template: string,
    params: Record<string, string> = {},
    body?: object,
    query = '',
  ) => {
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]) + query;
    const req = authed(api(), key)[method](url);
    const res = body === undefined ? await req : await req.send(body);
    failures.push(
      ...validator.problems(method, template, {
        status: res.status,
        headers: res.headers as Record<string, string>,
        body: res.body,
      }),
    );
    return res;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-follow-ups-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_WEBHOOKS = 'off';
    // The test sweeps with its own calls; the scheduled one waits a day.
    process.env.AFTERCARE_FOLLOW_UP_SWEEP_MS = String(24 * HOUR);
    app = await createApiApp({ logger: false });
    await app.init();
    admin = await createApiKey(api(), 'admin');
    agent = await createApiKey(api(), 'agent');
    store = app.get<EventStore>(EVENT_STORE);
    const spec = (await authed(api(), admin).get('/docs-json').expect(200)).body as OpenApiDocument;
    validator = new ResponseValidator(spec);
  });

  afterAll(async () => {
    delete process.env.AFTERCARE_WEBHOOKS;
    delete process.env.AFTERCARE_FOLLOW_UP_SWEEP_MS;
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliver(customerId: string, deliveredAt: string): Promise<RecordedEvent> {
    const http = authed(api(), admin);
    await http
      .post('/v1/customers')
      .send({
        customerId,
        occurredAt: ago(24 * 10),
        pii: { name: 'Ada', email: `${customerId}@example.com` },
        jurisdiction: 'EU',
        countryCode: 'DE',
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
    await http
      .post(`/v1/customers/${customerId}/purchases`)
      .send({
        purchaseId: 'p-1',
        orderId: 'o-1',
        occurredAt: ago(24 * 9),
        sku: 'WM-1',
        productCategory: 'washing_machine',
        price: 600,
        currency: 'EUR',
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      })
      .expect(201);
    await http
      .post(`/v1/customers/${customerId}/deliveries`)
      .send({
        deliveryId: 'd-1',
        purchaseId: 'p-1',
        occurredAt: ago(24 * 9),
        promisedFrom: ago(24 * 8),
        promisedTo: new Date(Date.now() + 24 * HOUR).toISOString(),
      })
      .expect(201);
    const done = await http
      .post(`/v1/customers/${customerId}/deliveries/d-1/completion`)
      .send({ occurredAt: deliveredAt })
      .expect(201);
    const body = done.body as { eventIds: string[] };
    let delivered: RecordedEvent | undefined;
    for await (const e of store.readStream(`customer-${customerId}`)) {
      if (e.id === body.eventIds[0]) delivered = e;
    }
    if (!delivered) throw new Error('no DeliveryCompleted');
    return delivered;
  }

  const taskOf = (customerId: string) =>
    eventually(async () => {
      const res = await call(agent, 'get', '/v1/tasks', {}, undefined, `?customer=${customerId}`);
      const items = (res.body as { items: { taskId: string }[] }).items;
      return items.length > 0 ? (items[0] as Record<string, unknown>) : undefined;
    }, `a task for ${customerId}`);

  it('publishes the default playbooks on first start, and admins publish new versions', async () => {
    const playbooks = await eventually(async () => {
      const res = await call(agent, 'get', '/v1/playbooks');
      return (res.body as unknown[]).length === DEFAULT_PLAYBOOKS.length
        ? (res.body as { playbookId: string; latestVersion: number }[])
        : undefined;
    }, 'the default playbooks');
    expect(playbooks.map((p) => p.playbookId).sort()).toEqual(
      DEFAULT_PLAYBOOKS.map((p) => p.playbookId).sort(),
    );
    const v2 = {
      playbookId: 'satisfaction-check-after-complaint',
      name: 'Satisfaction check five days after a complaint is resolved',
      trigger: 'complaint_resolved',
      steps: [
        {
          kind: 'satisfaction_check',
          dueAfterHours: 120,
          assignee: 'queue',
          queue: 'customer-care',
          title: 'Satisfaction check',
        },
      ],
    };
    expect((await call(agent, 'post', '/v1/playbooks', {}, v2)).status).toBe(403);
    const published = await call(admin, 'post', '/v1/playbooks', {}, v2);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ playbookId: v2.playbookId, version: 2 });
    const bad = await call(admin, 'post', '/v1/playbooks', {}, { ...v2, trigger: 'moon_phase' });
    expect(bad.status).toBe(400);
    const detail = await call(agent, 'get', '/v1/playbooks/{playbookId}', {
      playbookId: v2.playbookId,
    });
    expect((detail.body as { versions: { version: number }[] }).versions).toHaveLength(2);
    expect(
      (await call(agent, 'get', '/v1/playbooks/{playbookId}', { playbookId: 'nope' })).status,
    ).toBe(404);
  });

  it('plans a courtesy call from a delivery, traceable to the playbook version and the event', async () => {
    const deliveredAt = ago(1);
    const delivered = await deliver('ft-ada', deliveredAt);
    const task = await taskOf('ft-ada');
    expect(task).toMatchObject({
      customerId: 'ft-ada',
      kind: 'courtesy_call',
      status: 'open',
      queue: 'customer-care',
      dueAt: new Date(Date.parse(deliveredAt) + 48 * HOUR).toISOString(),
      playbook: { playbookId: 'courtesy-call-after-delivery', version: 1, step: 0 },
      cause: {
        eventId: delivered.id,
        eventType: 'DeliveryCompleted',
        streamId: 'customer-ft-ada',
        position: delivered.position.toString(),
      },
    });
    // Handling the same event again (a crash before the checkpoint, another instance) adds nothing.
    const runtime = api().get(FollowUpRuntime);
    const context = {
      owner: 'test',
      leaseTtlMs: 1000,
      signal: new AbortController().signal,
      caughtUp: true,
      commit: async (_: bigint, save: () => Promise<void>) => save(),
      advanced: () => undefined,
    };
    await runtime.reactor.handle([delivered], context);
    const events: RecordedEvent[] = [];
    for await (const e of store.readStream(followUpTaskStreamId(String(task.taskId)))) {
      events.push(e);
    }
    expect(events.map((e) => e.type)).toEqual(['FollowUpTaskCreated']);
    expect(await store.loadCheckpoint(PLAYBOOKS_CHECKPOINT)).toBeGreaterThanOrEqual(
      delivered.position,
    );
  });

  it('an issue found on the call opens a complaint naming the task; a second completion is refused', async () => {
    const task = await taskOf('ft-ada');
    const taskId = String(task.taskId);
    const bad = await call(
      agent,
      'post',
      '/v1/tasks/{taskId}/completion',
      { taskId },
      {
        outcome: 'maybe',
      },
    );
    expect(bad.status).toBe(400);
    const done = await call(
      agent,
      'post',
      '/v1/tasks/{taskId}/completion',
      { taskId },
      {
        outcome: 'issue_found',
        note: 'The door seal leaks',
        issue: { category: 'product_defect', severity: 'high' },
      },
    );
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ taskId, complaintId: `${taskId}.issue` });
    let filed: RecordedEvent | undefined;
    for await (const e of store.readStream('customer-ft-ada')) {
      if (e.type === 'ComplaintFiled') filed = e;
    }
    expect(filed?.data).toMatchObject({
      complaintId: `${taskId}.issue`,
      followUpTaskId: taskId,
      category: 'product_defect',
      severity: 'high',
    });
    // Free text is personal data: sealed in the store like any complaint's.
    expect(String((filed?.data as { description: string }).description)).toMatch(/^pii:v1:/);
    const again = await call(
      agent,
      'post',
      '/v1/tasks/{taskId}/completion',
      { taskId },
      {
        outcome: 'reached',
      },
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'task_already_completed' });
    const missing = await call(
      agent,
      'post',
      '/v1/tasks/{taskId}/completion',
      { taskId: 'x' },
      {
        outcome: 'reached',
      },
    );
    expect(missing.status).toBe(404);
  });

  it('the sweep makes a missed call overdue and escalates it to the leads queue', async () => {
    await deliver('ft-bob', ago(72)); // due 24 hours ago
    const task = await taskOf('ft-bob');
    const runtime = api().get(FollowUpRuntime);
    const swept = await runtime.sweep.sweep();
    expect(swept.tasks).toBe(1);
    expect((await runtime.sweep.sweep()).tasks).toBe(0);
    const escalated = await eventually(async () => {
      const res = await call(
        agent,
        'get',
        '/v1/tasks',
        {},
        undefined,
        '?status=overdue&queue=customer-care-leads',
      );
      const items = (res.body as { items: Record<string, unknown>[] }).items;
      return items.find((t) => t.taskId === task.taskId);
    }, 'the escalated task');
    expect(escalated).toMatchObject({ overdue: true, escalations: 1, ownerId: null });
    const dueBefore = await call(
      agent,
      'get',
      '/v1/tasks',
      {},
      undefined,
      `?due_before=${encodeURIComponent(ago(0))}&status=open`,
    );
    expect((dueBefore.body as { items: { taskId: string }[] }).items.map((t) => t.taskId)).toEqual([
      task.taskId,
    ]);
    expect((await call(agent, 'get', '/v1/tasks', {}, undefined, '?status=late')).status).toBe(400);
  });

  it('promises are kept or broken, a broken one counts against satisfaction, and the kept rate shows', async () => {
    const make = (promiseId: string, dueAt: string, agentId: string) =>
      call(
        agent,
        'post',
        '/v1/customers/{customerId}/promises',
        { customerId: 'ft-ada' },
        {
          promiseId,
          text: 'Technician on Tuesday',
          occurredAt: ago(5),
          dueAt,
          agentId,
          queue: 'field-service',
        },
      );
    expect((await make('pr-kept', ago(-24), 'agent-7')).status).toBe(201);
    expect((await make('pr-late', ago(3), 'agent-7')).status).toBe(201);
    expect((await make('pr-said', ago(-24), 'agent-9')).status).toBe(201);
    expect((await make('pr-kept', ago(-24), 'agent-7')).status).toBe(409);
    const nobody = await call(
      agent,
      'post',
      '/v1/customers/{customerId}/promises',
      {
        customerId: 'nobody',
      },
      { text: 'x', dueAt: ago(-1), queue: 'q' },
    );
    expect(nobody.status).toBe(404);
    const backwards = await make('pr-bad', ago(6), 'agent-7');
    expect(backwards.status).toBe(422);

    const kept = await call(
      agent,
      'post',
      '/v1/promises/{promiseId}/fulfilment',
      {
        promiseId: 'pr-kept',
      },
      { kept: true },
    );
    expect(kept.status).toBe(201);
    expect(kept.body).toMatchObject({ promiseId: 'pr-kept', status: 'kept' });
    const said = await call(
      agent,
      'post',
      '/v1/promises/{promiseId}/fulfilment',
      {
        promiseId: 'pr-said',
      },
      { kept: false, note: 'no technician free' },
    );
    expect(said.body).toMatchObject({ status: 'broken' });
    const twice = await call(
      agent,
      'post',
      '/v1/promises/{promiseId}/fulfilment',
      {
        promiseId: 'pr-kept',
      },
      { kept: false },
    );
    expect(twice.status).toBe(409);

    // Due three hours ago, past the hour of grace: the sweep breaks it.
    await eventually(async () => {
      const res = await call(agent, 'get', '/v1/promises', {}, undefined, '?status=open');
      const open = (res.body as { items: { promiseId: string }[] }).items;
      return open.some((p) => p.promiseId === 'pr-late') ? true : undefined;
    }, 'the open promise in the read model');
    expect((await api().get(FollowUpRuntime).sweep.sweep()).promises).toBe(1);

    const rates = await eventually(async () => {
      const res = await call(
        agent,
        'get',
        '/v1/analytics/promise-kept-rate',
        {},
        undefined,
        '?by=agent',
      );
      const items = (res.body as { items: Record<string, unknown>[] }).items;
      return items.find((r) => r.key === 'agent-7')?.broken === 1 ? items : undefined;
    }, 'the kept rates');
    expect(rates).toEqual([
      { key: 'agent-7', made: 2, kept: 1, broken: 1, brokenOverdue: 1, keptRate: 0.5 },
      { key: 'agent-9', made: 1, kept: 0, broken: 1, brokenOverdue: 0, keptRate: 0 },
    ]);
    const byQueue = await call(
      admin,
      'get',
      '/v1/analytics/promise-kept-rate',
      {},
      undefined,
      '?by=queue',
    );
    expect((byQueue.body as { items: unknown[] }).items).toEqual([
      { key: 'field-service', made: 3, kept: 1, broken: 2, brokenOverdue: 1, keptRate: 0.3333 },
    ]);
    const listed = await call(
      agent,
      'get',
      '/v1/promises',
      {},
      undefined,
      '?agent=agent-7&status=broken',
    );
    expect((listed.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        promiseId: 'pr-late',
        breakReason: 'overdue',
        recordedBy: 'system',
      }),
    ]);

    // What was promised is sealed in the store, opened for agents, not for analysts.
    const made = await eventually(async () => {
      const res = await call(agent, 'get', '/v1/promises', {}, undefined, '?customer=ft-ada');
      const items = (res.body as { items: { promiseId: string; text: string }[] }).items;
      return items.length === 3 ? items : undefined;
    }, 'the promises of ft-ada');
    expect(made.map((p) => p.text)).toEqual(Array(3).fill('Technician on Tuesday'));
    const analyst = await createApiKey(api(), 'analyst');
    const redacted = await call(analyst, 'get', '/v1/promises', {}, undefined, '?customer=ft-ada');
    expect(JSON.stringify(redacted.body)).not.toContain('Technician');

    const view = await eventually(async () => {
      const res = await authed(api(), admin).get('/v1/customers/ft-ada');
      const reasons = (res.body as { satisfaction?: { reasons: string[] } }).satisfaction?.reasons;
      return reasons?.some((r) => r.startsWith('promise pr-late broken')) ? res.body : undefined;
    }, 'the broken promise in the satisfaction state');
    expect((view as { satisfaction: { state: string } }).satisfaction.state).toBe('dissatisfied');
    type Promises = { satisfaction: { metrics: { customerPromises: Record<string, unknown> } } };
    const now = await authed(api(), admin).get(
      `/v1/customers/ft-ada?asOf=${encodeURIComponent(new Date().toISOString())}`,
    );
    expect(now.status).toBe(200);
    // The as-of view replays the customer's promises too: made, kept and broken by then.
    expect((now.body as Promises).satisfaction.metrics.customerPromises).toMatchObject({
      made: 3,
      kept: 1,
      broken: 2,
    });
    const before = await authed(api(), admin).get(
      `/v1/customers/ft-ada?asOf=${encodeURIComponent(ago(4))}`,
    );
    expect((before.body as Promises).satisfaction.metrics.customerPromises).toMatchObject({
      made: 3,
      kept: 0,
      broken: 0,
    });
  });

  it('answers every route with what its OpenAPI schema says', () => {
    expect(failures).toEqual([]);
  });

  it('runs the reactor and the sweep as consumers of the projection runtime', () => {
    const engine = api().get<ProjectionEngine>(PROJECTION_ENGINE);
    const names = engine.consumerStatus().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['playbooks', 'follow-up-sweep']));
  });

  it('a broken promise moves the satisfaction signal, like any service failure', async () => {
    const made = await call(
      agent,
      'post',
      '/v1/customers/{customerId}/promises',
      {
        customerId: 'ft-bob',
      },
      { promiseId: 'pr-bob', text: 'Call back tomorrow', dueAt: ago(-24), queue: 'customer-care' },
    );
    expect(made.status).toBe(201);
    const broken = await call(
      agent,
      'post',
      '/v1/promises/{promiseId}/fulfilment',
      {
        promiseId: 'pr-bob',
      },
      { kept: false },
    );
    expect(broken.status).toBe(201);
    const changed = await eventually(async () => {
      for await (const e of store.readStream('signal-ft-bob')) {
        const d = e.data as { to?: string; reasons?: string[] };
        if (e.type === 'SatisfactionStateChanged' && d.to === 'at_risk') return d;
      }
      return undefined;
    }, 'the satisfaction signal of ft-bob');
    expect(changed.reasons).toEqual([expect.stringMatching(/^promise pr-bob broken \(missed\)/)]);
  });

  it('a promise made on a task traces through it to the playbook version and the cause event', async () => {
    const task = await taskOf('ft-ada');
    const make = (customerId: string, promiseId: string, taskId: string) =>
      call(
        agent,
        'post',
        '/v1/customers/{customerId}/promises',
        { customerId },
        {
          promiseId,
          text: 'Call back on Friday',
          dueAt: ago(-48),
          agentId: 'agent-3',
          queue: 'q3',
          taskId,
        },
      );
    expect((await make('ft-ada', 'pr-on-task', String(task.taskId))).status).toBe(201);
    // A task that does not exist, or is about someone else, would break the trace: refused.
    const none = await make('ft-ada', 'pr-no-task', 'ft_nothing');
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ code: 'task_not_found' });
    const other = await make('ft-bob', 'pr-other', String(task.taskId));
    expect(other.status).toBe(422);
    const listed = await eventually(async () => {
      const res = await call(agent, 'get', '/v1/promises', {}, undefined, '?agent=agent-3');
      const items = (res.body as { items: Record<string, unknown>[] }).items;
      return items.length === 1 ? items[0] : undefined;
    }, 'the promise made on the task');
    expect(listed).toMatchObject({
      promiseId: 'pr-on-task',
      taskId: task.taskId,
      playbook: task.playbook,
      cause: task.cause,
    });
    const alone = await call(agent, 'get', '/v1/promises', {}, undefined, '?agent=agent-9');
    expect((alone.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ taskId: null, playbook: null, cause: null }),
    ]);
  });

  it('the command line answers whom to call today and why, and records outcomes', async () => {
    const escalated = await taskOf('ft-bob');
    // The API stops; the CLI reads the same store and read models.
    await app?.close();
    app = undefined;
    const run = async (...args: string[]): Promise<string> => {
      const out: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
      const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await buildProgram().parseAsync(args, { from: 'user' });
      } finally {
        log.mockRestore();
        err.mockRestore();
      }
      return out.join('\n');
    };
    const today = await run('tasks', 'today', '--queue', 'customer-care-leads', '--no-progress');
    expect(today).toMatch(/^1 task\(s\) due by .* for queue customer-care-leads/);
    expect(today).toContain(`task ${String(escalated.taskId)}`);
    expect(today).toContain('playbook courtesy-call-after-delivery v1');
    expect(today).toContain('cause DeliveryCompleted');
    expect(today).toContain('Courtesy call after delivery: delivery d-1 of purchase p-1');
    expect(today).toContain('[OVERDUE, escalated]');
    const done = await run('tasks', 'complete', String(escalated.taskId), '--outcome', 'reached');
    expect(done).toContain(`task ${String(escalated.taskId)}: reached`);
    const after = await run('tasks', 'today', '--queue', 'customer-care-leads', '--no-progress');
    expect(after).toMatch(/^0 task\(s\)/);
    const promises = await run('promises', 'list', '--agent', 'agent-7', '--no-progress');
    expect(promises).toContain('2 promise(s)');
    expect(promises).toContain('broken (overdue) on');
    expect(promises).toContain('Technician on Tuesday');
    expect(promises).toContain('made outside any task');
    const onTask = await run('promises', 'list', '--agent', 'agent-3', '--no-progress');
    expect(onTask).toContain('playbook courtesy-call-after-delivery v1 · cause DeliveryCompleted');
  });
});
