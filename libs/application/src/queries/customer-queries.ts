import {
  customerStreamId,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  followUpTaskStreamId,
  PROMISE_STREAM_CATEGORY,
  promiseStreamId,
  toIso,
  warrantyClaimStreamId,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import {
  clvModelProjection,
  type ClvModelFittedData,
  type CustomerProfileState,
  customerProfileProjection,
  describeEvent,
  type FeedbackMonthState,
  mainCurrency,
  populationFeedbackProjection,
  type ProductBucketState,
  productPopulationProjection,
  type SatisfactionStateData,
  satisfactionProjection,
  churnIncidentsProjection,
  type ChurnIncidentsState,
  foldAsOf,
  followUpTasksProjection,
  promisesProjection,
  type WarrantyClaimState,
  warrantyClaimsProjection,
  type WarrantyPolicyState,
  warrantyPoliciesProjection,
} from '@aftercare/projections';
import { claimIdsOf } from './customer-profile.queries';
import { CheckpointMemo, statusesOf } from './checkpoint-memo';
import { HeldStreamReads } from './held-stream-reads';
import { type CustomerView, customerView } from './customer-view';
import { latestFits } from '../scores/customer-score';
import {
  type ListPage,
  type ListQuery,
  type StoredState,
  UnknownReadModelError,
} from '@aftercare/read-models';

/**
 * The read side's queries, shared by the HTTP API and the CLI: current views come from the read
 * models; as-of views replay the customer's streams with the same folds. Time comes from the
 * caller's clock, so "now" is explicit everywhere.
 */

/** What the queries need of a read-model store (the runtime's ReadModelStore satisfies it). */
export interface ReadModelQueries {
  get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined>;
  list<State = unknown>(name: string, query?: ListQuery): Promise<ListPage<State>>;
}

export class CustomerNotFoundError extends Error {
  constructor(
    readonly customerId: string,
    detail?: string,
  ) {
    super(detail ?? `No customer '${customerId}'`);
    this.name = 'CustomerNotFoundError';
  }
}

export class InvalidQueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

export interface TimeTravel {
  /** Business time: what had happened by then. */
  asOf?: string;
  /** Record time: what the store knew by then. */
  knownAt?: string;
}

export interface TimelineItem {
  position: string;
  streamId: string;
  revision: string;
  type: string;
  occurredAt: string | null;
  recordedAt: string;
  summary: string;
  data: unknown;
}

export interface TimelinePage {
  customerId: string;
  items: TimelineItem[];
  nextCursor: string | null;
}

const PAGE = 500;
/** Later than any fit: what asks the CLV read model for its latest fits of all. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(cursor: string, field = 'cursor'): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidQueryError(field, `'${cursor}' is not a cursor this API issued`);
  }
}

export class CustomerQueries {
  private bucketMemo: CheckpointMemo<ProductBucketState[]> | undefined;
  private fitsMemo: CheckpointMemo<ClvModelFittedData[]> | undefined;
  private policiesMemo: CheckpointMemo<Readonly<Record<string, WarrantyPolicyState>>> | undefined;
  /** The streams of customers read lately: a timeline or an as-of view reads only what is new. */
  private readonly streams: HeldStreamReads;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelQueries | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.streams = new HeldStreamReads(store);
  }

  /**
   * The customer's profile view now, or as of a business and/or record time. The reads it needs
   * are asked for together (on PostgreSQL they share one round trip).
   */
  async profile(customerId: string, at: TimeTravel = {}): Promise<CustomerView> {
    const timeTravel = at.asOf !== undefined || at.knownAt !== undefined;
    const asked = at.asOf ?? at.knownAt ?? this.clock().toISOString();
    const [stored, current, fits, policies] = await Promise.all([
      this.readModels?.get<CustomerProfileState>(customerProfileProjection.name, customerId),
      timeTravel
        ? undefined
        : Promise.all([
            this.readModels?.get<SatisfactionStateData>(satisfactionProjection.name, customerId),
            this.incidentsOf(customerId),
          ]),
      this.fitsAt(at.knownAt ?? asked),
      this.policies(),
    ]);
    let profile: CustomerProfileState;
    let satisfaction: SatisfactionStateData;
    let incidents: ChurnIncidentsState;
    if (current && stored) {
      profile = stored.state;
      satisfaction = current[0]?.state ?? satisfactionProjection.initialState(customerId);
      incidents = current[1];
    } else {
      const events = await this.customerEvents(customerId, stored?.state);
      if (events.length === 0) throw new CustomerNotFoundError(customerId);
      const options = { ...at, key: customerId };
      profile = await foldAsOf(customerProfileProjection, events, options);
      satisfaction = await foldAsOf(satisfactionProjection, events, options);
      incidents = await foldAsOf(churnIncidentsProjection, events, options);
      if (profile.eventCount === 0) {
        throw new CustomerNotFoundError(
          customerId,
          `Customer '${customerId}' had no recorded history ${describeTravel(at)}`,
        );
      }
    }
    const fit = fitFor(fits, mainCurrency(profile));
    return customerView({ profile, satisfaction, incidents, now: asked, fit, policies });
  }

  /** The customer's history (customer stream and warranty claims) by business time. */
  async timeline(
    customerId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<TimelinePage> {
    const stored = await this.readModels?.get<CustomerProfileState>(
      customerProfileProjection.name,
      customerId,
    );
    const events = await this.customerEvents(customerId, stored?.state);
    if (events.length === 0) throw new CustomerNotFoundError(customerId);
    const erased = events.some((e) => e.type === 'CustomerPiiErased');
    // Business time read once per event, not once per comparison.
    const times = new Map<RecordedEvent, number>();
    for (const e of events) {
      const at = occurredAt(e);
      times.set(e, at === undefined ? e.recordedAt.getTime() : Date.parse(at));
    }
    const sortKey = (e: RecordedEvent): [number, bigint] => [times.get(e)!, e.position];
    events.sort(
      (a, b) =>
        times.get(a)! - times.get(b)! ||
        (a.position < b.position ? -1 : a.position > b.position ? 1 : 0),
    );
    let start = 0;
    if (options.cursor) {
      const after = decode(options.cursor);
      // [business time, position]: the position is a decimal string, as `encode` wrote it.
      if (
        !Array.isArray(after) ||
        after.length !== 2 ||
        !Number.isFinite(after[0]) ||
        typeof after[1] !== 'string' ||
        !/^\d{1,20}$/.test(after[1])
      ) {
        throw new InvalidQueryError(
          'cursor',
          `'${options.cursor}' is not a cursor this API issued`,
        );
      }
      const [t, p] = [after[0], BigInt(after[1])];
      start = events.findIndex((e) => {
        const [te, pe] = sortKey(e);
        return te > t || (te === t && pe > p);
      });
      if (start < 0) start = events.length;
    }
    const limit = options.limit ?? 50;
    const page = events.slice(start, start + limit);
    const last = page[page.length - 1];
    return {
      customerId,
      items: page.map((e) => ({
        position: e.position.toString(),
        streamId: e.streamId,
        revision: e.revision.toString(),
        type: e.type,
        occurredAt: occurredAt(e) ?? null,
        recordedAt: toIso(e.recordedAt.getTime()),
        summary: describeEvent(e),
        data: withoutPii(e, erased),
      })),
      nextCursor:
        start + limit < events.length && last
          ? encode([sortKey(last)[0], last.position.toString()])
          : null,
    };
  }

  /**
   * The CLV fit current at `at` for a customer buying in `currency`: the latest fitted by then in
   * that currency (refits fit each currency apart). Without a currency (no purchase yet): the
   * latest fit.
   */
  async fitAt(at: string, currency?: string | null): Promise<ClvModelFittedData | null> {
    return fitFor(await this.fitsAt(at), currency);
  }

  /**
   * The latest fits by `at`, newest first: enough to hold the latest of every currency. Every view
   * asks at its own "now", so the latest fits of all are remembered until the read model moves;
   * when none of them was fitted after `at` they are the answer for `at` too, as the store would
   * give it (the same comparison of instants); otherwise the store is asked.
   */
  private async fitsAt(at: string): Promise<ClvModelFittedData[]> {
    if (!this.readModels) return [];
    this.fitsMemo ??= new CheckpointMemo(statusesOf(this.readModels), clvModelProjection.name, 1);
    const latest = await this.fitsMemo.get('', () => latestFits(this.readModels!, END_OF_TIME));
    const until = new Date(at).toISOString();
    if (latest.every((fit) => fit.occurredAt <= until)) return latest;
    return latestFits(this.readModels, at);
  }

  /** Every warranty policy by id; read once per change of the read model. */
  async policies(): Promise<Readonly<Record<string, WarrantyPolicyState>>> {
    if (!this.readModels) return {};
    this.policiesMemo ??= new CheckpointMemo(
      statusesOf(this.readModels),
      warrantyPoliciesProjection.name,
      1,
    );
    return this.policiesMemo.get('', async () => {
      const result: Record<string, WarrantyPolicyState> = {};
      for await (const { key, state } of listAll<WarrantyPolicyState>(
        this.readModels!,
        warrantyPoliciesProjection.name,
      )) {
        result[key] = state;
      }
      return result;
    });
  }

  async feedbackMonths(): Promise<FeedbackMonthState[]> {
    return collect(
      listAll<FeedbackMonthState>(this.requireReadModels(), populationFeedbackProjection.name),
    );
  }

  async allProfiles(): Promise<CustomerProfileState[]> {
    return collect(
      listAll<CustomerProfileState>(this.requireReadModels(), customerProfileProjection.name),
    );
  }

  /**
   * The product_population buckets' running totals by SKU and cohort (a few hundred rows), read
   * once per change of the read model and kept without the join lines the reports never read.
   */
  productBuckets(): Promise<ProductBucketState[]> {
    this.bucketMemo ??= new CheckpointMemo(
      statusesOf(this.readModels),
      productPopulationProjection.name,
      1,
    );
    return this.bucketMemo.get('', async () =>
      (
        await collect(
          listAll<ProductBucketState>(this.requireReadModels(), productPopulationProjection.name),
        )
      ).map((b) => ({ ...b, purchases: '', customerMonths: '', repairedSerials: '' })),
    );
  }

  async allClaims(): Promise<WarrantyClaimState[]> {
    return collect(
      listAll<WarrantyClaimState>(this.requireReadModels(), warrantyClaimsProjection.name),
    );
  }

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * The customer's stream and their warranty claim streams, in global order. Claim ids come from
   * the current profile (the read model knows claims filed after the customer's last event) and
   * from repairs that fulfilled a claim; without a read model, the warranty category is scanned.
   */
  /**
   * The customer's incident log as the read models hold it; an empty one while there is none (a
   * store whose read models predate the incident log, until the runtime has built it).
   */
  private async incidentsOf(customerId: string): Promise<ChurnIncidentsState> {
    try {
      const stored = await this.readModels?.get<ChurnIncidentsState>(
        churnIncidentsProjection.name,
        customerId,
      );
      if (stored) return stored.state;
    } catch (error) {
      if (!(error instanceof UnknownReadModelError)) throw error;
    }
    return churnIncidentsProjection.initialState(customerId);
  }

  private async customerEvents(
    customerId: string,
    profile: CustomerProfileState | undefined,
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [...(await this.streams.read(customerStreamId(customerId)))];
    if (events.length === 0 && !profile) return events;
    const claimIds = new Set(profile ? claimIdsOf(profile) : []);
    for (const e of events) {
      const claimId = (e.data as { warrantyClaimId?: unknown }).warrantyClaimId;
      if (typeof claimId === 'string') claimIds.add(claimId);
    }
    if (profile) {
      for (const claimId of claimIds) {
        events.push(...(await this.streams.read(warrantyClaimStreamId(claimId))));
      }
    }
    // Promises made to them and their follow-up tasks (kept, broken, missed as of the time asked),
    // found by the worklist read models where they are kept, else by a scan.
    const readModels = profile ? this.readModels : undefined;
    const scanned = readModels
      ? []
      : [FOLLOW_UP_TASK_STREAM_CATEGORY, PROMISE_STREAM_CATEGORY, ...(profile ? [] : ['warranty'])];
    if (scanned.length > 0) {
      for await (const e of this.store.readAll({ filter: { categories: scanned } })) {
        if ((e.data as { customerId?: unknown }).customerId === customerId) events.push(e);
      }
    }
    if (readModels) {
      for (const [name, streamOf] of [
        [followUpTasksProjection.name, followUpTaskStreamId],
        [promisesProjection.name, promiseStreamId],
      ] as const) {
        let after: string | undefined;
        do {
          const page = await readModels.list(name, {
            where: { customerId },
            limit: PAGE,
            ...(after ? { after } : {}),
          });
          for (const item of page.items) {
            events.push(...(await this.streams.read(streamOf(item.key))));
          }
          after = page.items.length > 0 ? page.nextCursor : undefined;
        } while (after);
      }
    }
    return events.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  }

  private requireReadModels(): ReadModelQueries {
    if (!this.readModels) throw new Error('This query needs the read models');
    return this.readModels;
  }
}

/** Of fits newest first, the latest in `currency` (any currency without one). */
function fitFor(
  fits: readonly ClvModelFittedData[],
  currency?: string | null,
): ClvModelFittedData | null {
  return fits.find((fit) => !currency || fit.currency === currency) ?? null;
}

/** Every state of a read model, page by page. */
export async function* listAll<State>(
  readModels: ReadModelQueries,
  name: string,
): AsyncGenerator<StoredState<State>> {
  let after: string | undefined;
  for (;;) {
    const page = await readModels.list<State>(name, { limit: PAGE, after });
    yield* page.items;
    if (!page.nextCursor || page.items.length === 0) return;
    after = page.nextCursor;
  }
}

async function collect<State>(states: AsyncIterable<StoredState<State>>): Promise<State[]> {
  const result: State[] = [];
  for await (const s of states) result.push(s.state);
  return result;
}

function occurredAt(e: RecordedEvent): string | undefined {
  const value = (e.data as { occurredAt?: unknown } | null)?.occurredAt;
  return typeof value === 'string' ? value : undefined;
}

/** Registration data without phone and address; without name and email either once erased. */
function withoutPii(e: RecordedEvent, erased: boolean): unknown {
  if (e.type !== 'CustomerRegistered') return e.data;
  const { pii, ...rest } = e.data as { pii?: { name?: string; email?: string } | null };
  return { ...rest, pii: erased || !pii ? null : { name: pii.name, email: pii.email } };
}

function describeTravel(at: TimeTravel): string {
  return [at.asOf ? `as of ${at.asOf}` : '', at.knownAt ? `as known at ${at.knownAt}` : '']
    .filter(Boolean)
    .join(' and ');
}
