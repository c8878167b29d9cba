import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, PROJECTION_ENGINE } from '@aftercare/application';
import {
  DEFAULT_JURISDICTIONS,
  GENESIS_HASH,
  chainEvents,
  decideWarrantyClaimV1,
  digestFacts,
  type WarrantyDecisionFactsV1,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { warrantyDecisionsProjection } from '@aftercare/projections';
import type { ProjectionEngine } from '@aftercare/read-models';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import { buildProgram } from '../../apps/cli/src/program';

jest.setTimeout(60_000);

/**
 * Warranty decisions through the API as consumer law has them: the recorded purchase as proof,
 * the cause established by an assessment, remedies in their legal order, claims without a serial,
 * strict validation of the new requests, the policies listing and the engine replay.
 */
describe('warranty law (HTTP, sqlite)', () => {
  let dir: string;
  let app: INestApplication;
  let store: EventStore;
  let adminKey: string;
  const http = () => authed(app, adminKey);

  const terms = {
    coverageMonths: { default: 12, byCategory: {} },
    exclusions: ['accidental_damage', 'misuse', 'unauthorised_repair'],
    requireProofOfPurchase: true,
    repeatClaimThreshold: 2,
    remedyRules: [],
    defaultRemedy: 'repair',
    maxCoveredAmountRatio: 1,
  };

  async function customer(customerId: string, countryCode: string, jurisdiction: string) {
    await http()
      .post('/v1/customers')
      .send({
        customerId,
        occurredAt: '2024-01-01T09:00:00Z',
        pii: { name: 'Test Customer', email: `${customerId}@example.com` },
        jurisdiction,
        countryCode,
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
  }

  async function purchase(
    customerId: string,
    purchaseId: string,
    currency: string,
    serialNumber?: string,
  ) {
    await http()
      .post(`/v1/customers/${customerId}/purchases`)
      .send({
        purchaseId,
        occurredAt: '2024-01-02T10:00:00Z',
        orderId: `order-${purchaseId}`,
        sku: 'WM-200',
        productCategory: 'appliances',
        ...(serialNumber ? { serialNumber } : {}),
        price: 900,
        currency,
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      })
      .expect(201);
    await http()
      .post(`/v1/customers/${customerId}/deliveries`)
      .send({
        deliveryId: `d-${purchaseId}`,
        purchaseId,
        promisedFrom: '2024-01-04T08:00:00Z',
        promisedTo: '2024-01-04T12:00:00Z',
        occurredAt: '2024-01-02T10:05:00Z',
      })
      .expect(201);
    await http()
      .post(`/v1/customers/${customerId}/deliveries/d-${purchaseId}/completion`)
      .send({ occurredAt: '2024-01-04T10:00:00Z' })
      .expect(201);
  }

  const claim = (over: Record<string, unknown>) => ({
    defect: { code: 'PUMP-01', description: 'Drum does not drain' },
    symptom: 'Water stays in the drum',
    evidence: { proofOfPurchase: true },
    ...over,
  });

  const streamOf = async (streamId: string) => {
    const events = [];
    for await (const e of store.readStream(streamId)) events.push(e);
    return events;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-law-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    app = await createApiApp({ logger: false });
    adminKey = await createApiKey(app);
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);
    for (const [version, effectiveFrom] of [
      [1, '2023-01-01T00:00:00Z'],
      [2, '2026-01-01T00:00:00Z'],
    ] as const) {
      await http()
        .post('/v1/warranty-policies')
        .send({
          policyId: 'standard',
          name: `Standard v${version}`,
          effectiveFrom,
          occurredAt: effectiveFrom,
          terms,
        })
        .expect(201);
    }
    await customer('uk-1', 'GB', 'UK');
    await purchase('uk-1', 'uk-wm', 'GBP', 'SN-UK');
    await customer('at-1', 'AT', 'EU');
    await purchase('at-1', 'at-wm', 'EUR', 'SN-AT');
    await purchase('at-1', 'at-noserial', 'EUR');
    await customer('de-1', 'DE', 'EU');
    await purchase('de-1', 'de-wm', 'EUR', 'SN-DE');
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('UK, 10 days after delivery, no proof shown, a refund asked for: refunded in full under the short-term right to reject', async () => {
    const res = await http()
      .post('/v1/warranty-claims')
      .send(
        claim({
          claimId: 'uk-claim',
          customerId: 'uk-1',
          purchaseId: 'uk-wm',
          evidence: { proofOfPurchase: false },
          remedyRequested: 'refund',
          noticedAt: '2024-01-13T18:00:00Z',
          occurredAt: '2024-01-14T09:00:00Z',
        }),
      )
      .expect(201);
    expect(res.body).toMatchObject({
      outcome: 'approved',
      remedy: 'refund',
      coveredAmount: 900,
      currency: 'GBP',
      law: 'GB-EAW',
    });
    const trace = res.body.ruleTrace as { ruleId: string; statute?: string; result: string }[];
    expect(trace.find((r) => r.ruleId === 'legal_proof_of_purchase')).toMatchObject({
      result: 'passed',
      statute: expect.stringContaining('Consumer Rights Act 2015, s. 31'),
    });
    expect(trace.find((r) => r.ruleId === 'legal_remedy')?.statute).toContain('ss. 20-22');
  });

  it('EU, month 18, the claimant says manufacturing: waits for an assessment, which then approves and is traced', async () => {
    const filed = await http()
      .post('/v1/warranty-claims')
      .send(
        claim({
          claimId: 'at-claim',
          customerId: 'at-1',
          purchaseId: 'at-wm',
          suspectedCause: 'manufacturing',
          claimedAmount: 900,
          noticedAt: '2025-07-01T08:00:00Z',
          occurredAt: '2025-07-02T08:00:00Z',
        }),
      )
      .expect(201);
    expect(filed.body).toMatchObject({ outcome: 'needs_assessment', coveredAmount: 0, law: 'EU' });

    const assessed = await http()
      .post('/v1/warranty-claims/at-claim/assessment')
      .send({
        cause: 'manufacturing',
        assessedBy: 'tech-4',
        method: 'workshop_test',
        notes: 'Pump seal defective from the factory',
        occurredAt: '2025-07-09T08:00:00Z',
      })
      .expect(201);
    expect(assessed.body).toMatchObject({
      outcome: 'approved',
      remedy: 'repair',
      coveredAmount: 900,
    });

    const audit = (await http().get('/v1/warranty-claims/at-claim/audit').expect(200)).body;
    expect(audit.claim).toMatchObject({
      noticedAt: '2025-07-01T08:00:00Z',
      symptom: 'Water stays in the drum',
      suspectedCause: 'manufacturing',
    });
    expect(audit.assessments).toEqual([
      expect.objectContaining({ cause: 'manufacturing', assessedBy: 'tech-4' }),
    ]);
    expect(audit.decisions).toEqual([
      expect.objectContaining({ outcome: 'needs_assessment', trigger: null, reproduced: true }),
      expect.objectContaining({ outcome: 'approved', trigger: 'assessment', reproduced: true }),
    ]);
    expect(audit.verification).toMatchObject({ ok: true, chain: { ok: true } });
  });

  it('remedies in their legal order: a refusal needs its figures, then the other remedy, then a price reduction', async () => {
    await http()
      .post('/v1/warranty-claims')
      .send(
        claim({
          claimId: 'de-claim',
          customerId: 'de-1',
          purchaseId: 'de-wm',
          remedyRequested: 'repair',
          noticedAt: '2024-03-01T08:00:00Z',
          occurredAt: '2024-03-02T08:00:00Z',
        }),
      )
      .expect(201);
    const noFigures = await http()
      .post('/v1/warranty-claims/de-claim/remedy-refusal')
      .send({
        remedy: 'repair',
        ground: 'disproportionate',
        reason: 'Pump costs more than the machine',
        refusedBy: 'seller-1',
      })
      .expect(400);
    expect(noFigures.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['costOfRefusedRemedy', 'costOfAlternative']),
    );
    // A figure that is not whole cents (5e-323 prints without a decimal point) is refused too.
    const subCent = await http()
      .post('/v1/warranty-claims/de-claim/remedy-refusal')
      .send({
        remedy: 'repair',
        ground: 'impossible',
        reason: 'No spare parts',
        refusedBy: 'seller-1',
        costOfRefusedRemedy: 5e-323,
        costOfAlternative: 1,
      })
      .expect(400);
    expect(subCent.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'costOfRefusedRemedy',
    ]);
    const refused = async (remedy: string, at: string) =>
      (
        await http()
          .post('/v1/warranty-claims/de-claim/remedy-refusal')
          .send({
            remedy,
            ground: 'disproportionate',
            reason: 'Costs out of proportion',
            refusedBy: 'seller-1',
            costOfRefusedRemedy: 700,
            costOfAlternative: 150,
            occurredAt: at,
          })
          .expect(201)
      ).body;
    expect(await refused('repair', '2024-03-03T08:00:00Z')).toMatchObject({
      outcome: 'approved',
      remedy: 'replace',
    });
    const last = await refused('replace', '2024-03-04T08:00:00Z');
    expect(last).toMatchObject({
      outcome: 'approved',
      remedy: 'price_reduction',
      coveredAmount: 150,
    });
    expect(
      (last.ruleTrace as { ruleId: string; statute?: string }[]).find(
        (r) => r.ruleId === 'legal_remedy',
      )?.statute,
    ).toContain('BGB');
  });

  it('claims a purchase without a serial number by its purchase id', async () => {
    const res = await http()
      .post('/v1/warranty-claims')
      .send(
        claim({
          claimId: 'noserial-claim',
          customerId: 'at-1',
          purchaseId: 'at-noserial',
          noticedAt: '2024-02-01T08:00:00Z',
          occurredAt: '2024-02-01T09:00:00Z',
        }),
      )
      .expect(201);
    expect(res.body).toMatchObject({ outcome: 'approved', remedy: 'repair' });
    const [filed] = await streamOf('warranty-noserial-claim');
    expect(filed.data).toMatchObject({ serialNumber: null, purchaseId: 'at-noserial' });
  });

  it('answers 400 naming the field for malformed claims, assessments and refusals, and writes nothing', async () => {
    const bad = async (path: string, body: Record<string, unknown>, field: string) => {
      const res = await http().post(path).send(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    const base = claim({
      claimId: 'bad-claim',
      customerId: 'at-1',
      purchaseId: 'at-wm',
      noticedAt: '2024-02-01T08:00:00Z',
    });
    await bad('/v1/warranty-claims', { ...base, defect: [] }, 'defect');
    await bad('/v1/warranty-claims', { ...base, noticedAt: undefined }, 'noticedAt');
    await bad('/v1/warranty-claims', { ...base, noticedAt: '2024-02-01T08:00:00' }, 'noticedAt');
    await bad('/v1/warranty-claims', { ...base, symptom: '' }, 'symptom');
    await bad('/v1/warranty-claims', { ...base, claimedAmount: 1e13 }, 'claimedAmount');
    await bad('/v1/warranty-claims', { ...base, remedyRequested: 'cash' }, 'remedyRequested');
    await bad('/v1/warranty-claims', { ...base, region: 'Scotland' }, 'region');
    expect(await streamOf('warranty-bad-claim')).toEqual([]);

    const before = await streamOf('warranty-at-claim');
    await bad(
      '/v1/warranty-claims/at-claim/assessment',
      { cause: 'gremlins', assessedBy: 't', method: 'inspection' },
      'cause',
    );
    await bad(
      '/v1/warranty-claims/at-claim/assessment',
      { cause: 'wear', assessedBy: 't', method: 'inspection', occurredAt: 'yesterday' },
      'occurredAt',
    );
    await bad(
      '/v1/warranty-claims/at-claim/remedy-refusal',
      { remedy: 'refund', ground: 'impossible', reason: 'r', refusedBy: 's' },
      'remedy',
    );
    await bad(
      '/v1/warranty-claims/at-claim/remedy-refusal',
      {
        remedy: 'repair',
        ground: 'impossible',
        reason: 'r',
        refusedBy: 's',
        costOfRefusedRemedy: -1,
      },
      'costOfRefusedRemedy',
    );
    expect(await streamOf('warranty-at-claim')).toHaveLength(before.length);
    await http()
      .post('/v1/warranty-claims/nobody/assessment')
      .send({ cause: 'wear', assessedBy: 't', method: 'inspection' })
      .expect(404);
  });

  it('lists the warranty policies with their versions', async () => {
    const list = (await http().get('/v1/warranty-policies').expect(200)).body;
    expect(list).toEqual([
      expect.objectContaining({
        policyId: 'standard',
        versions: [1, 2],
        latestVersion: 2,
        name: 'Standard v2',
      }),
    ]);
    const one = (await http().get('/v1/warranty-policies/standard').expect(200)).body;
    expect(one.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(one.versions[0]).toMatchObject({ effectiveFrom: '2023-01-01T00:00:00Z', terms });
    await http().get('/v1/warranty-policies/nothing-here').expect(404);

    const output = await cli(['policies', 'list']);
    expect(output.join('\n')).toMatch(/standard\s+"Standard v2"\s+versions 1, 2/);
  });

  it('replays past decisions with the current engine: lists what it would change, per currency, writing nothing', async () => {
    // A claim decided by engine v1, stored as v1 wrote it: a UK claim rejected for want of proof.
    const facts: WarrantyDecisionFactsV1 = {
      claim: {
        claimId: 'old-claim',
        customerId: 'uk-1',
        purchaseId: 'uk-wm',
        serialNumber: 'SN-UK',
        filedAt: '2024-01-20T09:00:00.000Z',
        defect: { code: 'PUMP-01', description: 'Drum does not drain', cause: 'manufacturing' },
        evidence: { proofOfPurchase: false },
      },
      purchase: {
        purchaseId: 'uk-wm',
        customerId: 'uk-1',
        sku: 'WM-200',
        productCategory: 'appliances',
        serialNumber: 'SN-UK',
        price: 900,
        currency: 'GBP',
        purchasedAt: '2024-01-02T10:00:00Z',
        deliveredAt: '2024-01-04T10:00:00Z',
        warrantyPolicyId: 'standard',
      },
      priorClaims: [],
      policy: {
        policyId: 'standard',
        version: 1,
        effectiveFrom: '2023-01-01T00:00:00Z',
        terms: terms as WarrantyDecisionFactsV1['policy']['terms'],
      },
      jurisdiction: DEFAULT_JURISDICTIONS.UK,
    };
    const v1 = decideWarrantyClaimV1(facts);
    expect(v1.outcome).toBe('rejected');
    const { claim: c } = facts;
    const chained = chainEvents(GENESIS_HASH, [
      {
        id: randomUUID(),
        type: 'WarrantyClaimFiled',
        data: {
          claimId: c.claimId,
          customerId: c.customerId,
          occurredAt: c.filedAt,
          purchaseId: c.purchaseId,
          serialNumber: c.serialNumber,
          defect: c.defect,
          evidence: c.evidence,
        },
        metadata: { schemaVersion: 1 },
      },
      {
        id: randomUUID(),
        type: 'WarrantyClaimDecided',
        data: {
          claimId: c.claimId,
          customerId: c.customerId,
          occurredAt: c.filedAt,
          outcome: v1.outcome,
          remedy: v1.remedy,
          coveredAmount: v1.coveredAmount,
          currency: 'GBP',
          policyId: 'standard',
          policyVersion: 1,
          jurisdiction: 'UK',
          ruleTrace: v1.ruleTrace,
          facts,
          factsDigest: digestFacts(facts),
          engineVersion: v1.engineVersion,
          decidedBy: { kind: 'system' },
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    const appended = await store.appendToStream('warranty-old-claim', chained, {
      expectedRevision: 'no_stream',
    });
    // The replay reads the latest decisions from the warranty_decisions read model.
    await app
      .get<ProjectionEngine>(PROJECTION_ENGINE)
      .waitForCheckpoint(warrantyDecisionsProjection.name, appended.position);

    // The old decision still verifies against the rules it recorded.
    const audit = (await http().get('/v1/warranty-claims/old-claim/audit').expect(200)).body;
    expect(audit.verification).toMatchObject({ ok: true, recomputation: { matches: true } });
    expect(audit.claim).toMatchObject({
      noticedAt: '2024-01-20T09:00:00.000Z',
      suspectedCause: 'manufacturing',
    });

    const head = await store.headPosition();
    // Auditors and admins only.
    const range = '/v1/audit/engine-replay?from=2024-01-01&to=2025-12-31';
    await authed(app, await createApiKey(app, 'agent'))
      .get(range)
      .expect(403);
    await authed(app, await createApiKey(app, 'auditor'))
      .get(range)
      .expect(200);
    await http().get('/v1/audit/engine-replay?from=2024-01-01').expect(400);
    const replay = (
      await http().get('/v1/audit/engine-replay?from=2024-01-01&to=2025-12-31').expect(200)
    ).body;
    expect(replay.engineVersion).toBe('warranty-engine/2');
    expect(replay.rows).toEqual([
      expect.objectContaining({
        claimId: 'old-claim',
        law: 'GB-EAW',
        currency: 'GBP',
        recorded: expect.objectContaining({
          engineVersion: 'warranty-engine/1',
          outcome: 'rejected',
        }),
        replayed: expect.objectContaining({
          outcome: 'approved',
          remedy: 'repair',
          coveredAmount: 900,
        }),
        costDifference: 900,
      }),
    ]);
    expect(replay.costs).toEqual(
      expect.arrayContaining([{ currency: 'GBP', recorded: 900, replayed: 1800, difference: 900 }]),
    );
    expect(await store.headPosition()).toBe(head);

    const csv = await cli([
      'audit',
      'replay-engine',
      '--from',
      '2024-01-01',
      '--to',
      '2025-12-31',
      '--format',
      'csv',
    ]);
    expect(csv[0]).toMatch(/^claimId,customerId,filedAt,law,currency,recordedEngine/);
    expect(csv.slice(1)).toEqual([
      expect.stringMatching(/^old-claim,uk-1,.*,GB-EAW,GBP,warranty-engine\/1,rejected,/),
    ]);
    expect(await store.headPosition()).toBe(head);
  });

  /** Runs the CLI in-process against the same store and returns what it printed. */
  async function cli(args: string[]): Promise<string[]> {
    const output: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((line: string) => void output.push(line));
    try {
      await buildProgram().parseAsync(['node', 'aftercare', ...args], { from: 'node' });
    } finally {
      log.mockRestore();
    }
    return output.flatMap((chunk) => chunk.split('\n'));
  }
});
