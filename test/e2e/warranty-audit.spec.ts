import type { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, WarrantyAudit, WarrantyPolicyReplay } from '@aftercare/application';
import { ENGINE_VERSION, RULE_IDS_V2 } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import { buildProgram } from '../../apps/cli/src/program';

jest.setTimeout(60_000);

/**
 * An auditor's view of warranty decisions recorded through the API: explain, recompute, report,
 * replay under another policy version, and detect an edit made directly in the database.
 */
describe('warranty audit', () => {
  let dir: string;
  let dbPath: string;
  let app: INestApplication;
  let store: EventStore;
  let adminKey: string;
  const http = () => authed(app, adminKey);

  const terms = (tvMonths: number) => ({
    coverageMonths: { default: 12, byCategory: { tv: tvMonths } },
    exclusions: ['accidental_damage', 'misuse', 'unauthorised_repair'],
    requireProofOfPurchase: true,
    repeatClaimThreshold: 2,
    remedyRules: [],
    defaultRemedy: 'repair',
    maxCoveredAmountRatio: 1,
  });

  async function customerWithTv(customerId: string, jurisdiction: string): Promise<void> {
    await http()
      .post('/v1/customers')
      .send({
        customerId,
        occurredAt: '2025-01-01T09:00:00Z',
        pii: { name: 'Grace Hopper', email: `${customerId}@example.com` },
        jurisdiction,
        countryCode: jurisdiction === 'EU' ? 'DE' : 'US',
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
    await http()
      .post(`/v1/customers/${customerId}/purchases`)
      .send({
        purchaseId: `${customerId}-tv`,
        occurredAt: '2025-01-02T10:00:00Z',
        orderId: `order-${customerId}`,
        sku: 'TV-55-OLED',
        productCategory: 'tv',
        serialNumber: `SN-${customerId}`,
        price: 800,
        currency: jurisdiction === 'US' ? 'USD' : 'EUR',
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      })
      .expect(201);
  }

  async function fileClaim(claimId: string, customerId: string, cause: string): Promise<string> {
    const response = await http()
      .post('/v1/warranty-claims')
      .send({
        claimId,
        customerId,
        purchaseId: `${customerId}-tv`,
        defect: { code: 'NO-POWER', description: 'Does not turn on' },
        symptom: 'Black screen, standby light off',
        suspectedCause: cause,
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-05-30T20:00:00Z',
        occurredAt: '2025-06-01T10:00:00Z',
      })
      .expect(201);
    return response.body.outcome as string;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-audit-'));
    dbPath = join(dir, 'events.db');
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = dbPath;
    app = await createApiApp({ logger: false });
    adminKey = await createApiKey(app);
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);

    const policy = { policyId: 'standard', name: 'Standard', occurredAt: '2024-01-01T00:00:00Z' };
    await http()
      .post('/v1/warranty-policies')
      .send({ ...policy, effectiveFrom: '2024-01-01T00:00:00Z', terms: terms(24) })
      .expect(201);
    await http()
      .post('/v1/warranty-policies')
      .send({
        ...policy,
        effectiveFrom: '2026-01-01T00:00:00Z',
        occurredAt: '2025-12-01T00:00:00Z',
        terms: terms(3),
      })
      .expect(201);
    await customerWithTv('eu-1', 'EU');
    await customerWithTv('eu-2', 'EU');
    await customerWithTv('eu-3', 'EU');
    await customerWithTv('us-1', 'US');
    expect(await fileClaim('claim-a', 'eu-1', 'manufacturing')).toBe('approved');
    // Within the presumption the claimant's own word does not reject: an assessment does.
    expect(await fileClaim('claim-b', 'eu-2', 'accidental_damage')).toBe('approved');
    const assessed = await http()
      .post('/v1/warranty-claims/claim-b/assessment')
      .send({
        cause: 'accidental_damage',
        assessedBy: 'tech-2',
        method: 'inspection',
        notes: 'Cracked panel, impact mark',
        occurredAt: '2025-06-03T10:00:00Z',
      })
      .expect(201);
    expect(assessed.body).toMatchObject({ outcome: 'rejected', remedy: null, coveredAmount: 0 });
    expect(await fileClaim('claim-c', 'eu-3', 'manufacturing')).toBe('approved');
    expect(await fileClaim('claim-d', 'us-1', 'manufacturing')).toBe('approved');
    await http()
      .post('/v1/warranty-claims/claim-c/override')
      .set('X-Actor', 'agent-7')
      .send({
        agentId: 'agent-7',
        justification: 'Customer admitted dropping the set',
        outcome: 'rejected',
        occurredAt: '2025-06-02T10:00:00Z',
      })
      .expect(201);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains a decision: facts, policy version and terms, every rule, overrides, and verification', async () => {
    const audit = (await http().get('/v1/warranty-claims/claim-c/audit').expect(200)).body;
    expect(audit.claim).toMatchObject({ claimId: 'claim-c', serialNumber: 'SN-eu-3' });
    expect(audit.decision).toMatchObject({
      outcome: 'approved',
      policy: {
        policyId: 'standard',
        version: 1,
        terms: { coverageMonths: { byCategory: { tv: 24 } } },
      },
      decidedBy: { kind: 'system' },
    });
    expect(audit.decision.facts.purchase).toMatchObject({ purchaseId: 'eu-3-tv', price: 800 });
    expect(audit.decision.ruleTrace.map((r: { ruleId: string }) => r.ruleId)).toEqual([
      ...RULE_IDS_V2,
    ]);
    expect(audit.decision.law).toMatchObject({ key: 'DE' });
    expect(audit.decision.engineVersion).toBe(ENGINE_VERSION);
    expect(audit.overrides).toEqual([
      expect.objectContaining({
        agentId: 'agent-7',
        justification: 'Customer admitted dropping the set',
        outcome: 'rejected',
      }),
    ]);
    expect(audit.finalOutcome).toBe('rejected');
    expect(audit.verification).toMatchObject({
      ok: true,
      chain: { ok: true },
      recomputation: { matches: true, mismatches: [] },
      policyMatchesPublished: true,
    });
    await http().get('/v1/warranty-claims/no-such-claim/audit').expect(404);
  });

  /**
   * Decisions are read from the warranty_decisions read model: waits until it holds the four
   * decisions and the override of claim-c (folded after its decision, possibly in a later batch).
   */
  async function foldedDecisions() {
    const folded = (body: { decisions: { claimId: string; overridden: boolean }[] }) =>
      body.decisions.length === 4 && body.decisions.some((d) => d.overridden);
    let all = (await http().get('/v1/warranty-claims?from=2025-01-01&to=2025-12-31').expect(200))
      .body;
    for (let i = 0; !folded(all) && i < 500; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      all = (await http().get('/v1/warranty-claims?from=2025-01-01&to=2025-12-31').expect(200))
        .body;
    }
    return all;
  }

  /** Runs a CLI command in this process, on the API's store; returns what it printed. */
  async function cli(...args: string[]): Promise<string> {
    const output: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((line: string) => void output.push(line));
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await buildProgram().parseAsync(['node', 'aftercare', ...args], { from: 'node' });
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    return output.join('\n');
  }

  it('lists decisions in a period with approval rates and the rejections made inside the legal guarantee', async () => {
    const all = await foldedDecisions();
    expect(all.nextCursor).toBeNull();
    expect(all.decisions.map((d: { claimId: string }) => d.claimId)).toEqual([
      'claim-a',
      'claim-b',
      'claim-c',
      'claim-d',
    ]);
    // One definition of approved, counted two ways and labelled: by the engine, after overrides.
    expect(all.summary.byPolicyVersion).toEqual([
      {
        key: 'standard@1',
        decisions: 4,
        byEngine: expect.objectContaining({ approved: 3, rejected: 1, approvalRate: 0.75 }),
        afterOverrides: expect.objectContaining({ approved: 2, rejected: 2, approvalRate: 0.5 }),
      },
    ]);
    expect(all.summary.definitions.byEngine).toContain('engine');
    // Money per currency: claim-d is in USD and is never added to the EUR claims.
    expect(all.summary.costs).toEqual([
      { currency: 'EUR', claims: 3, approvedByEngine: 1600, approvedAfterOverrides: 800 },
      { currency: 'USD', claims: 1, approvedByEngine: 800, approvedAfterOverrides: 800 },
    ]);
    expect(
      all.summary.rejectedInsideLegalGuarantee.map((d: { claimId: string }) => d.claimId),
    ).toEqual(['claim-c']);
    const exclusions = all.summary.byRule.find(
      (r: { ruleId: string }) => r.ruleId === 'commercial_exclusions',
    );
    expect(exclusions.failed).toMatchObject({ decisions: 1, byEngine: { approved: 0 } });
    const rejected = (await http().get('/v1/warranty-claims?outcome=rejected').expect(200)).body;
    expect(rejected.decisions.map((d: { claimId: string }) => d.claimId)).toEqual([
      'claim-b',
      'claim-c',
    ]);
    const none = (await http().get('/v1/warranty-claims?from=2026-01-01').expect(200)).body;
    expect(none.decisions).toEqual([]);
    await http().get('/v1/warranty-claims?outcome=maybe').expect(400);
    // Keyset pages by filing date: the summary covers the whole period on every page.
    const first = (await http().get('/v1/warranty-claims?limit=3').expect(200)).body;
    expect(first.decisions).toHaveLength(3);
    expect(first.summary.decisions).toBe(4);
    const second = (
      await http().get(`/v1/warranty-claims?limit=3&cursor=${first.nextCursor}`).expect(200)
    ).body;
    expect(
      [...first.decisions, ...second.decisions].map((d: { claimId: string }) => d.claimId),
    ).toEqual(all.decisions.map((d: { claimId: string }) => d.claimId));
    expect(second.nextCursor).toBeNull();
    await http().get('/v1/warranty-claims?cursor=bm90LWEtY3Vyc29y').expect(400);
  });

  it('answers the same report, replays and figures through the API and the CLI on one store', async () => {
    const { summary } = await foldedDecisions();
    const auditorKey = await createApiKey(app, 'auditor');
    const fromCli = JSON.parse(
      await cli('audit', 'report', '--from', '2025-01-01', '--to', '2025-12-31', '--no-progress'),
    );
    // One read path: every figure the API's summary gives, the CLI's report gives alike.
    expect({ ...fromCli, from: null, to: null }).toEqual({ ...summary, from: null, to: null });
    expect(fromCli.costs).toEqual([
      { currency: 'EUR', claims: 3, approvedByEngine: 1600, approvedAfterOverrides: 800 },
      { currency: 'USD', claims: 1, approvedByEngine: 800, approvedAfterOverrides: 800 },
    ]);
    const csv = (
      await cli(
        'audit',
        'report',
        '--from',
        '2025-01-01',
        '--to',
        '2025-12-31',
        '--format',
        'csv',
        '--no-progress',
      )
    ).split('\n');
    expect(csv).toHaveLength(5);
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual([
      'claim-a',
      'claim-b',
      'claim-c',
      'claim-d',
    ]);
    // The engine replay reads the same decisions, each re-decided from its recorded facts.
    const engineReplay = (
      await authed(app, auditorKey)
        .get('/v1/audit/engine-replay?from=2025-01-01&to=2025-12-31')
        .expect(200)
    ).body;
    expect(engineReplay.claims).toBe(4);
    expect(engineReplay.costs).toEqual([
      { currency: 'EUR', recorded: 1600, replayed: 1600, difference: 0 },
      { currency: 'USD', recorded: 800, replayed: 800, difference: 0 },
    ]);
    const engineFromCli = JSON.parse(
      await cli(
        'audit',
        'replay-engine',
        '--from',
        '2025-01-01',
        '--to',
        '2025-12-31',
        '--format',
        'json',
        '--no-progress',
      ),
    );
    expect({ ...engineFromCli, from: null, to: null }).toEqual({
      ...engineReplay,
      from: null,
      to: null,
    });
  });

  it('replays past claims under another policy version without writing anything', async () => {
    await foldedDecisions();
    const head = await store.headPosition();
    const replay = await app.get(WarrantyPolicyReplay).replay('standard', 2, {
      from: '2025-01-01',
      to: '2025-12-31',
    });
    // Under v2 a TV is covered for 3 months: the EU claims stay covered by the legal guarantee;
    // the US implied warranty runs only as long as the written one, so claim-d would be rejected.
    expect(replay?.claims).toBe(4);
    expect(replay?.changed).toEqual([
      expect.objectContaining({
        claimId: 'claim-d',
        currency: 'USD',
        replayed: expect.objectContaining({ outcome: 'rejected' }),
        costDifference: -800,
      }),
    ]);
    expect(replay?.costs).toEqual([
      { currency: 'EUR', recorded: 1600, replayed: 1600, difference: 0 },
      { currency: 'USD', recorded: 800, replayed: 0, difference: -800 },
    ]);
    // The same what-if over HTTP, for auditors (the console's audit page).
    const auditorKey = await createApiKey(app, 'auditor');
    const query =
      '/v1/audit/policy-replay?policyId=standard&version=2&from=2025-01-01&to=2025-12-31';
    const overHttp = await authed(app, auditorKey).get(query).expect(200);
    expect(overHttp.body).toEqual(JSON.parse(JSON.stringify(replay)));
    await authed(app, await createApiKey(app, 'agent'))
      .get(query)
      .expect(403);
    await authed(app, auditorKey)
      .get('/v1/audit/policy-replay?policyId=standard&version=7')
      .expect(404);
    expect(await store.headPosition()).toBe(head);
  });

  it('detects an event altered directly in the database and names exactly that claim', async () => {
    const auditor = new WarrantyAudit(store);
    expect((await auditor.verifyAll()).failures).toEqual([]);

    const db = new Database(dbPath);
    const changed = db
      .prepare(
        `UPDATE es_events SET data = json_set(data, '$.coveredAmount', 5000)
         WHERE stream_id = 'warranty-claim-a' AND type = 'WarrantyClaimDecided'`,
      )
      .run();
    db.close();
    expect(changed.changes).toBe(1);

    const result = await auditor.verifyAll();
    expect(result.checked).toBe(4);
    expect(result.failures.map((f) => f.claimId)).toEqual(['claim-a']);
    const audit = (await http().get('/v1/warranty-claims/claim-a/audit').expect(200)).body;
    expect(audit.verification.ok).toBe(false);
    expect(audit.verification.chain).toMatchObject({
      ok: false,
      reason: 'hash_mismatch',
      brokenEvent: { revision: '1', type: 'WarrantyClaimDecided' },
    });

    const output: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((line: string) => void output.push(line));
    const previousExitCode = process.exitCode;
    try {
      await buildProgram().parseAsync(['node', 'aftercare', 'audit', 'verify'], { from: 'node' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = previousExitCode;
      log.mockRestore();
    }
    expect(output.filter((line) => line.startsWith('FAIL'))).toEqual([
      expect.stringMatching(/^FAIL claim-a: hash chain broken at revision 1/),
    ]);
    expect(output).toContain('4 claims checked, 1 failed');
  });
});
