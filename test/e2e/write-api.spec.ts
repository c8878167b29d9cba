import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE } from '@aftercare/application';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey, principalIdOf } from '../support/auth';

/** The write API as `npm start` runs it, on a fresh SQLite file. */
describe('write API (HTTP, sqlite)', () => {
  let dir: string;
  let app: INestApplication;
  let store: EventStore;
  let adminKey: string;
  const http = () => authed(app, adminKey);

  const readStream = async (streamId: string): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    for await (const event of store.readStream(streamId)) events.push(event);
    return events;
  };

  const registration = (customerId: string) => ({
    customerId,
    occurredAt: '2025-01-01T09:00:00Z',
    pii: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    jurisdiction: 'EU',
    countryCode: 'DE',
    segment: 'consumer',
    signupChannel: 'online',
  });

  const purchase = (purchaseId: string, serialNumber: string) => ({
    purchaseId,
    occurredAt: '2025-01-02T10:00:00Z',
    orderId: `order-${purchaseId}`,
    sku: 'TV-55-OLED',
    productCategory: 'tv',
    serialNumber,
    price: 1000,
    currency: 'EUR',
    channel: 'online',
    warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
  });

  const policy = {
    policyId: 'standard',
    effectiveFrom: '2024-01-01T00:00:00Z',
    occurredAt: '2024-01-01T00:00:00Z',
    name: 'Standard warranty',
    terms: {
      coverageMonths: { default: 12, byCategory: { tv: 24 } },
      exclusions: ['accidental_damage', 'misuse'],
      requireProofOfPurchase: true,
      repeatClaimThreshold: 2,
      remedyRules: [{ maxAgeDays: 30, remedy: 'replace' }],
      defaultRemedy: 'repair',
      maxCoveredAmountRatio: 1,
    },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-write-api-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    app = await createApiApp({ logger: false });
    adminKey = await createApiKey(app);
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records a customer's whole journey", async () => {
    const c = 'journey-1';
    const post = async (path: string, body: object, expected = 201) => {
      const res = await http().post(`/v1/customers/${c}${path}`).send(body);
      expect({ path, status: res.status, body: res.body }).toMatchObject({
        path,
        status: expected,
      });
      return res.body as Record<string, unknown>;
    };

    const registered = await http().post('/v1/customers').send(registration(c)).expect(201);
    expect(registered.body).toMatchObject({
      customerId: c,
      streamId: `customer-${c}`,
      revision: '0',
    });
    expect(registered.body.eventIds).toHaveLength(1);
    expect(typeof registered.body.position).toBe('string');

    await post('/purchases', purchase('p1', 'SN-1'));
    const delivery = await post('/deliveries', {
      purchaseId: 'p1',
      promisedFrom: '2025-01-04T08:00:00Z',
      promisedTo: '2025-01-05T18:00:00Z',
      occurredAt: '2025-01-02T10:05:00Z',
    });
    await post(`/deliveries/${String(delivery.deliveryId)}/completion`, {
      occurredAt: '2025-01-05T12:00:00Z',
    });
    await post('/setups', {
      purchaseId: 'p1',
      outcome: 'failed',
      reason: 'Wall mount missing',
      occurredAt: '2025-01-05T13:00:00Z',
    });
    await post('/setups', {
      purchaseId: 'p1',
      outcome: 'completed',
      occurredAt: '2025-01-06T13:00:00Z',
    });

    const complaint = await post('/complaints', {
      purchaseId: 'p1',
      category: 'product_defect',
      severity: 'high',
      channel: 'phone',
      remedySought: 'repair',
      description: 'Flickering screen',
      occurredAt: '2025-01-07T09:00:00Z',
    });
    const complaintId = String(complaint.complaintId);
    await post(`/complaints/${complaintId}/acknowledgement`, {
      agentId: 'agent-7',
      occurredAt: '2025-01-07T10:00:00Z',
    });
    await post(`/complaints/${complaintId}/escalation`, {
      reason: 'No fix in 48h',
      occurredAt: '2025-01-09T10:00:00Z',
    });
    await post(`/complaints/${complaintId}/resolution`, {
      resolution: 'Panel replaced',
      remedyGiven: 'repair',
      occurredAt: '2025-01-10T10:00:00Z',
    });
    await post(`/complaints/${complaintId}/reopening`, {
      reason: 'Flicker is back',
      occurredAt: '2025-01-12T10:00:00Z',
    });
    await post('/repairs', {
      purchaseId: 'p1',
      serialNumber: 'SN-1',
      paidBy: 'warranty',
      cost: 120,
      defectCode: 'E42-FLICKER',
      occurredAt: '2025-01-13T10:00:00Z',
    });
    const ret = await post('/returns', {
      purchaseId: 'p1',
      reason: 'Still flickers',
      occurredAt: '2025-01-20T10:00:00Z',
    });
    await post(`/returns/${String(ret.returnId)}/completion`, {
      outcome: 'refund',
      refundAmount: 1000,
      occurredAt: '2025-01-22T10:00:00Z',
    });
    await post('/feedback', {
      nps: 6,
      csat: 3,
      ces: 5,
      comment: 'Painful',
      occurredAt: '2025-01-23T10:00:00Z',
    });
    await post('/referrals', {
      referredCustomerId: 'friend-1',
      channel: 'email',
      occurredAt: '2025-01-24T10:00:00Z',
    });
    const plan = await post('/maintenance-plans', {
      price: 9.99,
      currency: 'EUR',
      billingPeriod: 'monthly',
      occurredAt: '2025-01-25T10:00:00Z',
    });
    await post(`/maintenance-plans/${String(plan.planId)}/cancellation`, {
      reason: 'Moving',
      occurredAt: '2025-02-25T10:00:00Z',
    });
    const action = await post('/retention-actions', {
      action: 'goodwill_credit',
      cost: 25,
      currency: 'EUR',
      occurredAt: '2025-02-26T10:00:00Z',
    });
    const refused = await http()
      .post(`/v1/customers/${c}/retention-actions`)
      .send({ action: 'free_tv', cost: 25, currency: 'EUR' })
      .expect(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['action']);

    const events = await readStream(`customer-${c}`);
    expect(events.map((e) => e.type)).toEqual([
      'CustomerRegistered',
      'PurchaseRecorded',
      'DeliveryScheduled',
      'DeliveryCompleted',
      'SetupFailed',
      'SetupCompleted',
      'ComplaintFiled',
      'ComplaintAcknowledged',
      'ComplaintEscalated',
      'ComplaintResolved',
      'ComplaintReopened',
      'RepairCompleted',
      'ReturnRequested',
      'ReturnCompleted',
      'FeedbackReceived',
      'ReferralMade',
      'MaintenancePlanSubscribed',
      'MaintenancePlanCancelled',
      'RetentionActionTaken',
    ]);
    expect(events[18].data).toMatchObject({
      actionId: action.actionId,
      action: 'goodwill_credit',
      cost: 25,
      currency: 'EUR',
    });
    expect(events[3].data).toMatchObject({ onTime: true, timing: 'on_time' });
    expect(events[5].data).toMatchObject({ attempt: 2 });
    expect(events[0].metadata).toMatchObject({ actor: principalIdOf(adminKey), schemaVersion: 1 });
    expect(events[14].metadata).toMatchObject({ schemaVersion: 2 });
    expect(events[0].metadata.causationId).toBe(events[0].metadata.commandId);
  });

  it('publishes a policy, decides a claim with its rule trace, and records an override', async () => {
    const published = await http().post('/v1/warranty-policies').send(policy).expect(201);
    expect(published.body).toMatchObject({
      policyId: 'standard',
      version: 1,
      streamId: 'warrantyPolicy-standard',
    });
    // Not named in the request: the policy says who published it, the authenticated caller.
    const listed = await http().get('/v1/warranty-policies/standard').expect(200);
    expect(listed.body.versions[0]).toMatchObject({
      version: 1,
      publishedBy: principalIdOf(adminKey),
    });

    const c = 'claimant-1';
    await http().post('/v1/customers').send(registration(c)).expect(201);
    await http().post(`/v1/customers/${c}/purchases`).send(purchase('tv-1', 'SN-TV-1')).expect(201);

    const filed = await http()
      .post('/v1/warranty-claims')
      .set('X-Actor', 'agent-desk')
      .send({
        claimId: 'claim-1',
        customerId: c,
        purchaseId: 'tv-1',
        defect: { code: 'E42-NO-POWER', description: 'Does not turn on' },
        symptom: 'No picture, no standby light',
        suspectedCause: 'manufacturing',
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-05-31T20:00:00Z',
        occurredAt: '2025-06-01T10:00:00Z',
      })
      .expect(201);
    expect(filed.body).toMatchObject({
      claimId: 'claim-1',
      streamId: 'warranty-claim-1',
      outcome: 'approved',
      remedy: 'repair',
      coveredAmount: 1000,
      policyId: 'standard',
      policyVersion: 1,
    });
    const ruleIds = (filed.body.ruleTrace as { ruleId: string }[]).map((r) => r.ruleId);
    expect(ruleIds).toEqual(
      expect.arrayContaining([
        'commercial_proof_of_purchase',
        'commercial_coverage_period',
        'legal_guarantee_period',
        'outcome',
      ]),
    );

    const overridden = await http()
      .post('/v1/warranty-claims/claim-1/override')
      .send({
        agentId: 'agent-9',
        justification: 'Water damage found on inspection',
        outcome: 'rejected',
        occurredAt: '2025-06-03T10:00:00Z',
      })
      .expect(201);
    expect(overridden.body).toMatchObject({
      outcome: 'rejected',
      remedy: null,
      coveredAmount: 0,
      previous: { outcome: 'approved' },
    });

    // Fulfilling a rejected claim is a conflict.
    const refused = await http()
      .post('/v1/warranty-claims/claim-1/fulfilment')
      .send({})
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'claim_not_approved', status: 409 });

    const stream = await readStream('warranty-claim-1');
    expect(stream.map((e) => e.type)).toEqual([
      'WarrantyClaimFiled',
      'WarrantyClaimDecided',
      'WarrantyDecisionOverridden',
    ]);
    expect(stream[0].metadata).toMatchObject({
      actor: principalIdOf(adminKey),
      onBehalfOf: 'agent-desk',
      prevHash: '0'.repeat(64),
    });
    expect(stream[1].metadata.prevHash).toBe(stream[0].metadata.hash);
    expect(stream[2].metadata.prevHash).toBe(stream[1].metadata.hash);

    // A second claim on the serial sees the first as a prior claim; approve and fulfil it.
    const second = await http()
      .post('/v1/warranty-claims')
      .send({
        claimId: 'claim-2',
        customerId: c,
        purchaseId: 'tv-1',
        defect: { code: 'E42-NO-POWER', description: 'Dead again' },
        symptom: 'Dead again',
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-07-01T08:00:00Z',
        occurredAt: '2025-07-01T10:00:00Z',
      })
      .expect(201);
    const decided = (await readStream('warranty-claim-2'))[1].data as {
      facts: { priorClaims: { claimId: string; outcome: string }[] };
    };
    expect(decided.facts.priorClaims).toEqual([
      expect.objectContaining({ claimId: 'claim-1', outcome: 'rejected' }),
    ]);
    expect(second.body.outcome).toBe('approved');
    const fulfilled = await http()
      .post('/v1/warranty-claims/claim-2/fulfilment')
      .send({ reference: 'RMA-1' })
      .expect(201);
    expect(fulfilled.body).toMatchObject({
      claimId: 'claim-2',
      remedy: 'repair',
      amount: 1000,
      currency: 'EUR',
    });
  });

  it('answers 400 with one entry per offending field and writes nothing', async () => {
    const res = await http()
      .post('/v1/customers')
      .send({
        customerId: 'invalid-1',
        pii: { name: 'X', email: 'not-an-email' },
        segment: 'vip',
        countryCode: 'de',
        jurisdiction: 'EU',
        signupChannel: 'online',
        occurredAt: '2025-01-01',
      })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://aftercare.dev/problems/validation-error',
      status: 400,
      title: expect.any(String),
      detail: expect.any(String),
    });
    const fields = (res.body.errors as { field: string; messages: string[] }[])
      .map((e) => e.field)
      .sort();
    expect(fields).toEqual(['countryCode', 'occurredAt', 'pii.email', 'segment']);
    expect(await readStream('customer-invalid-1')).toEqual([]);
  });

  it("records a purchase's supplier batch, and refuses a malformed one naming the field", async () => {
    const c = 'batch-1';
    await http().post('/v1/customers').send(registration(c)).expect(201);
    await http()
      .post(`/v1/customers/${c}/purchases`)
      .send({ ...purchase('pb1', 'SN-B1'), supplierBatch: '2024H2-A' })
      .expect(201);
    for (const supplierBatch of ['lot 7', '-A', 'x'.repeat(33), 42]) {
      const res = await http()
        .post(`/v1/customers/${c}/purchases`)
        .send({ ...purchase('pb2', 'SN-B2'), supplierBatch })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
        'supplierBatch',
      ]);
    }
    const purchases = (await readStream(`customer-${c}`)).filter(
      (e) => e.type === 'PurchaseRecorded',
    );
    expect(purchases.map((e) => (e.data as { supplierBatch?: string }).supplierBatch)).toEqual([
      '2024H2-A',
    ]);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await http()
      .post('/v1/customers')
      .set('Content-Type', 'application/json')
      .send('{"customerId": ')
      .expect(400);
    expect(res.body).toMatchObject({
      type: 'https://aftercare.dev/problems/malformed-json',
      status: 400,
    });
  });

  it('answers 404 for an unknown customer or claim', async () => {
    const customer = await http()
      .post('/v1/customers/nobody/purchases')
      .send(purchase('p9', 'SN-9'))
      .expect(404);
    expect(customer.body).toMatchObject({
      code: 'customer_not_found',
      type: 'https://aftercare.dev/problems/customer-not-found',
    });
    expect(await readStream('customer-nobody')).toEqual([]);
    const claim = await http()
      .post('/v1/warranty-claims/no-such-claim/override')
      .send({ agentId: 'a', justification: 'j', outcome: 'rejected' })
      .expect(404);
    expect(claim.body).toMatchObject({ code: 'claim_not_found', status: 404 });
    const claimant = await http()
      .post('/v1/warranty-claims')
      .send({
        customerId: 'nobody',
        purchaseId: 'x',
        defect: { code: 'E', description: 'd' },
        symptom: 'd',
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-01-01T00:00:00Z',
      })
      .expect(404);
    expect(claimant.body.code).toBe('customer_not_found');
  });

  it('answers 409 and 422 for domain refusals, with their codes', async () => {
    await http().post('/v1/customers').send(registration('rules-1')).expect(201);
    const again = await http().post('/v1/customers').send(registration('rules-1')).expect(409);
    expect(again.body).toMatchObject({
      code: 'customer_already_registered',
      type: 'https://aftercare.dev/problems/customer-already-registered',
    });
    const self = await http()
      .post('/v1/customers/rules-1/referrals')
      .send({ referredCustomerId: 'rules-1' })
      .expect(422);
    expect(self.body.code).toBe('self_referral');
    await http()
      .post('/v1/customers/rules-1/purchases')
      .send(purchase('old', 'SN-OLD'))
      .expect(201);
    const late = await http()
      .post('/v1/customers/rules-1/returns')
      .send({ purchaseId: 'old', reason: 'Changed my mind', occurredAt: '2025-06-01T00:00:00Z' })
      .expect(409);
    expect(late.body.code).toBe('return_window_closed');
    expect((await readStream('customer-rules-1')).map((e) => e.type)).toEqual([
      'CustomerRegistered',
      'PurchaseRecorded',
    ]);
  });

  it('answers a retried command with the original result and records it once', async () => {
    await http().post('/v1/customers').send(registration('retry-1')).expect(201);
    const body = {
      category: 'delivery',
      severity: 'low',
      channel: 'chat',
      remedySought: 'apology',
    };
    const first = await http()
      .post('/v1/customers/retry-1/complaints')
      .set('Idempotency-Key', 'complaint-key-1')
      .send(body)
      .expect(201);
    // Something else happens in between; the retry still answers what the command first did.
    await http().post('/v1/customers/retry-1/feedback').send({ nps: 10 }).expect(201);
    const retry = await http()
      .post('/v1/customers/retry-1/complaints')
      .set('Idempotency-Key', 'complaint-key-1')
      .send(body)
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const filed = (await readStream('customer-retry-1')).filter((e) => e.type === 'ComplaintFiled');
    expect(filed).toHaveLength(1);

    const reused = await http()
      .post('/v1/customers/retry-1/complaints')
      .set('Idempotency-Key', 'complaint-key-1')
      .send({ ...body, severity: 'critical' })
      .expect(422);
    expect(reused.body).toMatchObject({
      code: 'idempotency_key_reused',
      type: 'https://aftercare.dev/problems/idempotency-key-reused',
    });
    expect(
      (await readStream('customer-retry-1')).filter((e) => e.type === 'ComplaintFiled'),
    ).toHaveLength(1);

    // Registration without a client id: the retry lands on the same customer.
    const { customerId: _omit, ...anonymous } = registration('unused');
    const a = await http()
      .post('/v1/customers')
      .set('Idempotency-Key', 'register-key-1')
      .send(anonymous)
      .expect(201);
    const b = await http()
      .post('/v1/customers')
      .set('Idempotency-Key', 'register-key-1')
      .send(anonymous)
      .expect(201);
    expect(b.body).toEqual(a.body);
  });

  it('documents every write endpoint in OpenAPI', async () => {
    const doc = await http().get('/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/customers',
        '/v1/customers/{customerId}/complaints/{complaintId}/reopening',
        '/v1/customers/{customerId}/pii-erasure',
        '/v1/warranty-policies',
        '/v1/warranty-claims',
        '/v1/warranty-claims/{claimId}/override',
        '/v1/warranty-claims/{claimId}/fulfilment',
      ]),
    );
  });
});
