import type { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import {
  type AuditBundle,
  EVENT_STORE,
  loadAftercareConfig,
  loadAuditKeys,
  publicKeyPem,
  verifyAuditBundle,
  WarrantyAudit,
} from '@aftercare/application';
import { GENESIS_HASH, hashEvent } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { buildProgram } from '../../apps/cli/src/program';
import { authed, createApiKey } from '../support/auth';

jest.setTimeout(90_000);

/**
 * An audit trail no one can quietly rewrite: warranty chains keyed outside the database, stream
 * heads signed with Ed25519, and bundles verified offline with the public key alone. Each way of
 * tampering (an edited event, a truncated stream, a deleted stream) is named, in the store and
 * in a bundle.
 */
describe('audit trail: keyed chains, signed checkpoints, offline bundles', () => {
  let dir: string;
  let dbPath: string;
  let app: INestApplication;
  let store: EventStore;
  const saved = { ...process.env };
  let adminKey: string;
  const http = () => authed(app, adminKey);

  const cli = async (...args: string[]): Promise<{ out: string[]; exitCode: number }> => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((l: string) => void out.push(l));
    const err = jest.spyOn(console, 'error').mockImplementation((l: string) => void out.push(l));
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const previous = process.exitCode;
    process.exitCode = 0;
    try {
      await buildProgram().parseAsync(['node', 'aftercare', ...args], { from: 'node' });
      return { out, exitCode: Number(process.exitCode ?? 0) };
    } finally {
      process.exitCode = previous;
      log.mockRestore();
      err.mockRestore();
      write.mockRestore();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-trail-'));
    dbPath = join(dir, 'events.db');
    Object.assign(process.env, { AFTERCARE_STORE: 'sqlite', AFTERCARE_SQLITE_PATH: dbPath });
    app = await createApiApp({ logger: false });
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);
    adminKey = await createApiKey(app);
    await http()
      .post('/v1/warranty-policies')
      .send({
        policyId: 'standard',
        name: 'Standard',
        occurredAt: '2024-01-01T00:00:00Z',
        effectiveFrom: '2024-01-01T00:00:00Z',
        terms: {
          coverageMonths: { default: 12, byCategory: { tv: 24 } },
          exclusions: ['accidental_damage'],
          requireProofOfPurchase: true,
          repeatClaimThreshold: 2,
          remedyRules: [],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      })
      .expect(201);
    for (const c of ['a', 'b', 'c']) {
      await http()
        .post('/v1/customers')
        .send({
          customerId: `cust-${c}`,
          occurredAt: '2025-01-01T09:00:00Z',
          pii: { name: 'Grace Hopper', email: `${c}@example.com` },
          jurisdiction: 'EU',
          countryCode: 'DE',
          segment: 'consumer',
          signupChannel: 'online',
        })
        .expect(201);
      await http()
        .post(`/v1/customers/cust-${c}/purchases`)
        .send({
          purchaseId: `tv-${c}`,
          occurredAt: '2025-01-02T10:00:00Z',
          orderId: `o-${c}`,
          sku: 'TV-55',
          productCategory: 'tv',
          serialNumber: `SN-${c}`,
          price: 800,
          currency: 'EUR',
          channel: 'online',
          warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
        })
        .expect(201);
      await http()
        .post('/v1/warranty-claims')
        .send({
          claimId: `claim-${c}`,
          customerId: `cust-${c}`,
          purchaseId: `tv-${c}`,
          defect: { code: 'NO-POWER', description: 'Does not turn on' },
          symptom: 'Does not turn on',
          suspectedCause: 'manufacturing',
          evidence: { proofOfPurchase: true },
          noticedAt: '2025-05-31T10:00:00Z',
          occurredAt: '2025-06-01T10:00:00Z',
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains warranty streams with HMAC-SHA256 and keeps the signing key file private', async () => {
    const events = [];
    for await (const e of store.readStream('warranty-claim-a')) events.push(e);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.metadata.chainAlg === 'hmac-sha256')).toBe(true);
    expect(statSync(join(dir, 'audit-signing.key')).mode & 0o777).toBe(0o600);
    expect(await new WarrantyAudit(store).verifyAll()).toMatchObject({
      failures: [],
      integrity: [],
    });
  });

  describe('bundles, verified offline with the public key only', () => {
    let bundlePath: string;
    let publicKeyPath: string;
    let bundle: AuditBundle;

    beforeAll(async () => {
      bundlePath = join(dir, 'bundle.json');
      publicKeyPath = join(dir, 'audit.pub');
      const key = await cli('audit', 'public-key');
      writeFileSync(publicKeyPath, key.out.join(''));
      const made = await cli(
        'audit',
        'bundle',
        '--from',
        '2025-01-01',
        '--to',
        '2025-12-31',
        '--out',
        bundlePath,
      );
      expect(made.exitCode).toBe(0);
      bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as AuditBundle;
    });

    const verifyTampered = (tamper: (b: AuditBundle) => void) => {
      const copy = JSON.parse(JSON.stringify(bundle)) as AuditBundle;
      tamper(copy);
      return verifyAuditBundle(copy, loadAuditKeys(loadAftercareConfig().keys).publicKey);
    };

    it('holds the claims with facts, rule traces, chains and signed checkpoints, and verifies', async () => {
      expect(bundle.claims.map((c) => c.claimId).sort()).toEqual(['claim-a', 'claim-b', 'claim-c']);
      const decided = bundle.claims[0].events.find((e) => e.type === 'WarrantyClaimDecided');
      expect(decided?.data).toHaveProperty('facts');
      expect(decided?.data).toHaveProperty('ruleTrace');
      expect(bundle.checkpoints.length).toBeGreaterThan(0);
      const ok = await cli('audit', 'verify-bundle', bundlePath, '--public-key', publicKeyPath);
      expect(ok.exitCode).toBe(0);
      expect(ok.out.join('\n')).toMatch(/^OK: 3 claims/m);
      const single = join(dir, 'single.json');
      expect((await cli('audit', 'bundle', '--claim', 'claim-b', '--out', single)).exitCode).toBe(
        0,
      );
      expect(
        (await cli('audit', 'verify-bundle', single, '--public-key', publicKeyPath)).exitCode,
      ).toBe(0);
    });

    it('names an edited event', () => {
      const result = verifyTampered((b) => {
        const decided = b.claims[1].events.find((e) => e.type === 'WarrantyClaimDecided');
        (decided!.data as { coveredAmount: number }).coveredAmount = 5000;
      });
      expect(result.ok).toBe(false);
      expect(result.findings).toContainEqual(
        expect.objectContaining({ kind: 'edited', streamId: bundle.claims[1].streamId }),
      );
    });

    it('names a truncated stream', () => {
      const result = verifyTampered((b) => b.claims[0].events.pop());
      expect(result.findings).toContainEqual(
        expect.objectContaining({ kind: 'truncated', streamId: bundle.claims[0].streamId }),
      );
    });

    it('names a deleted stream', () => {
      const removed = bundle.claims[2].streamId;
      const result = verifyTampered((b) => b.claims.splice(2, 1));
      expect(result.findings).toContainEqual(
        expect.objectContaining({ kind: 'deleted', streamId: removed }),
      );
    });

    it('refuses a manifest re-signed with another key, and exits 1 on the command line', async () => {
      const result = verifyTampered((b) => {
        b.manifest.body.streams.pop();
        b.claims.pop();
      });
      expect(result.findings.map((f) => f.kind)).toContain('bad_signature');
      const tampered = join(dir, 'tampered.json');
      const copy = JSON.parse(JSON.stringify(bundle)) as AuditBundle;
      copy.claims[0].events.pop();
      writeFileSync(tampered, JSON.stringify(copy));
      const run = await cli('audit', 'verify-bundle', tampered, '--public-key', publicKeyPath);
      expect(run.exitCode).toBe(1);
      expect(run.out.join('\n')).toContain('truncated');
      const other = generateKeyPairSync('ed25519').publicKey;
      expect(verifyAuditBundle(bundle, other).findings.map((f) => f.kind)).toContain(
        'bad_signature',
      );
      expect(publicKeyPem(other)).toContain('PUBLIC KEY');
    });
  });

  it('detects, in the store, an edited event (hashes recomputed), a truncated stream and a deleted stream, naming each', async () => {
    const auditor = new WarrantyAudit(store);
    await auditor.checkpoints().sign();

    const db = new Database(dbPath);
    // Edit claim-a and recompute its whole chain without the key, as anyone with the database could.
    const rows = db
      .prepare(
        `SELECT position, type, data, metadata FROM es_events WHERE stream_id = 'warranty-claim-a' ORDER BY revision`,
      )
      .all() as { position: number; type: string; data: string; metadata: string }[];
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      if (row.type === 'WarrantyClaimDecided') data.coveredAmount = 5000;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      delete metadata.chainAlg;
      metadata.prevHash = prev;
      metadata.hash = hashEvent({ type: row.type, data }, prev);
      prev = metadata.hash as string;
      db.prepare('UPDATE es_events SET data = ?, metadata = ? WHERE position = ?').run(
        JSON.stringify(data),
        JSON.stringify(metadata),
        row.position,
      );
    }
    db.prepare(
      `DELETE FROM es_events WHERE stream_id = 'warranty-claim-b' AND revision =
        (SELECT max(revision) FROM es_events WHERE stream_id = 'warranty-claim-b')`,
    ).run();
    db.prepare(`DELETE FROM es_events WHERE stream_id = 'warranty-claim-c'`).run();
    db.close();

    const result = await auditor.verifyAll();
    const named = result.integrity.map((f) => `${f.kind} ${f.streamId}`);
    expect(named).toEqual(
      expect.arrayContaining([
        'edited warranty-claim-a',
        'truncated warranty-claim-b',
        'deleted warranty-claim-c',
      ]),
    );
    const run = await cli('audit', 'verify');
    expect(run.exitCode).toBe(1);
    const text = run.out.join('\n');
    expect(text).toContain('edited: warranty-claim-a');
    expect(text).toContain('truncated: warranty-claim-b');
    expect(text).toContain('deleted: warranty-claim-c');
    // A bundle is not signed over a stream that changed since it was signed.
    const refused = await cli(
      'audit',
      'bundle',
      '--claim',
      'claim-a',
      '--out',
      join(dir, 'x.json'),
    );
    expect(refused.exitCode).toBe(1);
  });
});
