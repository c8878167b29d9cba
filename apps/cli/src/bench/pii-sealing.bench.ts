/**
 * The cost of sealing personal data (per-customer AES-256-GCM, data keys in their own table) on
 * the embedded store: the same registrations and feedback appended and read back with and without
 * it, in the same run, on stores of their own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PiiVault, SqliteDataKeyStore, SYSTEM_PRINCIPAL } from '@aftercare/application';
import type { EventStore, EventToAppend } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';

export interface SealingFigure {
  name: string;
  unit: 'events/s';
  sealed: number;
  plain: number;
}

/** Per customer: a registration (name, email, phone, address) and feedback with a comment. */
function customers(count: number): EventToAppend[][] {
  const lists: EventToAppend[][] = [];
  for (let i = 0; i < count; i++) {
    const customerId = randomUUID();
    const at = new Date(1_700_000_000_000 + i * 60_000).toISOString();
    const meta = { schemaVersion: 1, actor: 'agent:bench' };
    lists.push([
      {
        id: randomUUID(),
        type: 'CustomerRegistered',
        data: {
          customerId,
          occurredAt: at,
          pii: {
            name: `Customer ${i}`,
            email: `customer.${i}@example.com`,
            phone: `+49301234${String(i).padStart(5, '0')}`,
            address: { line1: `Main St ${i}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
          },
          jurisdiction: 'EU',
          countryCode: 'DE',
          segment: 'consumer',
          signupChannel: 'online',
        },
        metadata: meta,
      },
      {
        id: randomUUID(),
        type: 'FeedbackReceived',
        data: {
          customerId,
          occurredAt: at,
          feedbackId: `fb-${i}`,
          nps: 7,
          comment: 'Delivery was late but the installer was helpful',
        },
        metadata: meta,
      },
    ]);
  }
  return lists;
}

async function seconds(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function readAll(store: EventStore, reveal?: PiiVault): Promise<number> {
  let count = 0;
  for await (const event of store.readAll()) {
    if (reveal) await reveal.revealEvent(event, SYSTEM_PRINCIPAL);
    count++;
  }
  return count;
}

/**
 * Appends (one customer's two events per call, a new customer each: a data key is made per
 * customer) and a full read, sealed and opened against plain. Alternates which side goes first.
 */
export async function measureSealing(dir: string, customerCount: number): Promise<SealingFigure[]> {
  const sealedStore = SqliteEventStore.open({ path: join(dir, 'sealed.db') });
  const plainStore = SqliteEventStore.open({ path: join(dir, 'plain.db') });
  const keys = new SqliteDataKeyStore(join(dir, 'sealed.db'));
  const vault = new PiiVault(keys, randomBytes(32));
  try {
    const work = customers(customerCount);
    const events = customerCount * 2;
    const rounds = 4;
    const size = Math.ceil(work.length / rounds);
    const append = { sealed: 0, plain: 0 };
    for (let round = 0; round < rounds; round++) {
      const slice = work.slice(round * size, (round + 1) * size);
      const sealed = () =>
        seconds(async () => {
          for (const list of slice) {
            const customerId = (list[0].data as { customerId: string }).customerId;
            await sealedStore.appendToStream(
              `customer-${customerId}`,
              await vault.sealEvents(list),
            );
          }
        });
      const plain = () =>
        seconds(async () => {
          for (const list of slice) {
            const customerId = (list[0].data as { customerId: string }).customerId;
            await plainStore.appendToStream(`customer-${customerId}`, list);
          }
        });
      if (round % 2 === 0) {
        append.sealed += await sealed();
        append.plain += await plain();
      } else {
        append.plain += await plain();
        append.sealed += await sealed();
      }
    }
    const read = { sealed: 0, plain: 0 };
    for (let round = 0; round < rounds; round++) {
      const order =
        round % 2 === 0 ? (['sealed', 'plain'] as const) : (['plain', 'sealed'] as const);
      for (const side of order) {
        let count = 0;
        const s = await seconds(async () => {
          count = await (side === 'sealed' ? readAll(sealedStore, vault) : readAll(plainStore));
        });
        read[side] = Math.max(read[side], count / s);
      }
    }
    return [
      {
        name: 'append a new customer (registration + feedback, 1 call; sealed: a data key made)',
        unit: 'events/s',
        sealed: events / append.sealed,
        plain: events / append.plain,
      },
      {
        name: '$all read, personal data opened (admin reader) vs as stored',
        unit: 'events/s',
        sealed: read.sealed,
        plain: read.plain,
      },
    ];
  } finally {
    await keys.close();
    await sealedStore.close();
    await plainStore.close();
  }
}
