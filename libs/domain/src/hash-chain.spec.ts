import { chainEvents, GENESIS_HASH, hashEvent, verifyChain } from './hash-chain';

const events = [
  { type: 'WarrantyClaimFiled', data: { claimId: 'w-1', customerId: 'c-1', serialNumber: 'SN-1' } },
  {
    type: 'WarrantyClaimDecided',
    data: { claimId: 'w-1', outcome: 'approved', coveredAmount: 180 },
  },
  { type: 'WarrantyClaimFulfilled', data: { claimId: 'w-1', amount: 180 } },
];

/** As read back from a store: plain JSON. */
const stored = () =>
  JSON.parse(JSON.stringify(chainEvents(GENESIS_HASH, events))) as {
    type: string;
    data: Record<string, unknown>;
    metadata: { prevHash: string; hash: string; [key: string]: unknown };
  }[];

describe('hash chain', () => {
  it('links each event to the previous one, from the genesis hash', () => {
    const chain = stored();
    expect(chain[0].metadata.prevHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    expect(chain[1].metadata.prevHash).toBe(chain[0].metadata.hash);
    expect(chain[2].metadata.prevHash).toBe(chain[1].metadata.hash);
    expect(chain[0].metadata.hash).toBe(hashEvent(events[0], GENESIS_HASH));
  });

  it('verifies an untouched stream', () => {
    const chain = stored();
    expect(verifyChain(chain)).toEqual({ ok: true, lastHash: chain[2].metadata.hash });
  });

  it('detects a data field changed in event 1 of 3', () => {
    const chain = stored();
    chain[1].data.coveredAmount = 1800;
    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenAt: 1, reason: 'hash_mismatch' });
  });

  it('detects a changed type', () => {
    const chain = stored();
    chain[0].type = 'WarrantyClaimWithdrawn';
    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenAt: 0, reason: 'hash_mismatch' });
  });

  it('detects an edited event whose hash was recomputed: the next link breaks', () => {
    const chain = stored();
    chain[1].data.coveredAmount = 1800;
    chain[1].metadata.hash = hashEvent(chain[1], chain[1].metadata.prevHash);
    expect(verifyChain(chain)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'prev_hash_mismatch',
    });
  });

  it('detects a removed or reordered event', () => {
    const chain = stored();
    expect(verifyChain([chain[0], chain[2]])).toMatchObject({ ok: false, brokenAt: 1 });
    expect(verifyChain([chain[1], chain[0], chain[2]])).toMatchObject({ ok: false, brokenAt: 0 });
  });

  it('detects missing links', () => {
    const chain = stored();
    const { hash: _dropped, ...withoutHash } = chain[2].metadata;
    expect(verifyChain([chain[0], chain[1], { ...chain[2], metadata: withoutHash }])).toMatchObject(
      {
        ok: false,
        brokenAt: 2,
        reason: 'missing_links',
      },
    );
  });

  it('keeps metadata already on the events and ignores it in the hash', () => {
    const [first] = chainEvents(GENESIS_HASH, [
      { ...events[0], metadata: { correlationId: 'corr-1', schemaVersion: 1 } },
    ]);
    expect(first.metadata).toMatchObject({ correlationId: 'corr-1', schemaVersion: 1 });
    expect(first.metadata.hash).toBe(hashEvent(events[0], GENESIS_HASH));
  });

  it('continues a stream from its last hash', () => {
    const chain = stored();
    const [more] = chainEvents(chain[2].metadata.hash, [{ type: 'X', data: { a: 1 } }]);
    expect(verifyChain([...chain, more])).toMatchObject({ ok: true });
  });
});

describe('keyed hash chain (hmac-sha256)', () => {
  const KEY = new Uint8Array(32).fill(7);
  const keyed = () =>
    JSON.parse(JSON.stringify(chainEvents(GENESIS_HASH, events, KEY))) as {
      type: string;
      data: Record<string, unknown>;
      metadata: { prevHash: string; hash: string; chainAlg?: string };
    }[];

  it('records its algorithm and verifies only with the key', () => {
    const chain = keyed();
    expect(chain.every((e) => e.metadata.chainAlg === 'hmac-sha256')).toBe(true);
    expect(verifyChain(chain, GENESIS_HASH, KEY)).toMatchObject({ ok: true });
    expect(verifyChain(chain)).toMatchObject({ ok: false, reason: 'key_required' });
    expect(verifyChain(chain, GENESIS_HASH, new Uint8Array(32))).toMatchObject({
      ok: false,
      reason: 'hash_mismatch',
    });
  });

  it('an edit whose hashes were recomputed without the key does not verify', () => {
    const chain = keyed();
    chain[1].data.coveredAmount = 1800;
    // Everything an attacker with database access can do: recompute every hash, unkeyed.
    let prev = GENESIS_HASH;
    for (const event of chain) {
      event.metadata.prevHash = prev;
      event.metadata.hash = hashEvent(event, prev, new Uint8Array(32).fill(1));
      prev = event.metadata.hash;
    }
    expect(verifyChain(chain, GENESIS_HASH, KEY)).toMatchObject({
      ok: false,
      brokenAt: 0,
      reason: 'hash_mismatch',
    });
  });

  it('refuses an unkeyed event after a keyed one (a downgrade)', () => {
    const chain = keyed();
    chain[2].metadata.chainAlg = undefined;
    chain[2].metadata.hash = hashEvent(chain[2], chain[2].metadata.prevHash);
    expect(verifyChain(chain, GENESIS_HASH, KEY)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'algorithm_downgrade',
    });
  });

  it('still verifies a stream chained before keys existed (sha256)', () => {
    expect(verifyChain(stored(), GENESIS_HASH, KEY)).toMatchObject({ ok: true });
  });
});
