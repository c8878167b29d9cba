import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigError,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '@aftercare/event-store';
import { MASTER_KEY } from '../crypto/crypto.module';
import type { MasterKey } from '../crypto/master-key';
import { WebhookSecretBox } from '../crypto/webhook-secret.box';
import { EventFeed, type FeedCursor } from '../feed/event-feed';
import { wireEvent } from '../feed/wire-event';
import type { ReadModelStore } from '@aftercare/read-models';
import { LoopLease, loopLeaseTtlFromEnv } from '../loops/loop-lease';
import { describeError, LoopTracker, RetryPolicy, superviseLoop } from '../loops/retry-policy';
import { READ_MODEL_STORE } from '../projections/projections.tokens';
import {
  type LoopStatus,
  type LoopStatusSource,
  RuntimeStatus,
} from '../projections/runtime-status';
import { EVENT_STORE } from '../store/event-store.module';
import {
  evolveWebhook,
  WEBHOOK_CATEGORY,
  webhookCheckpointId,
  type WebhookEvent,
  type WebhookSubscriptionState,
  webhookStreamId,
} from './webhook.events';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import {
  checkWebhookUrl,
  postWebhook,
  type WebhookTargetPolicy,
  webhookTargetPolicyFromEnv,
  WebhookTargetRefused,
} from './webhook-target';

export interface RegisterWebhook {
  url: string;
  /** Generated when absent; either way shown once, in the registration's answer. */
  secret?: string;
  categories?: string[];
  typePrefixes?: string[];
  customerId?: string;
  maxAttempts?: number;
  /** 'end' (default): events recorded from now on; 'start': all history; or a position to resume after. */
  from?: 'start' | 'end' | bigint;
}

export interface WebhookView {
  subscriptionId: string;
  url: string;
  categories: string[];
  typePrefixes: string[];
  customerId: string | null;
  maxAttempts: number;
  registeredAt: string;
  status: WebhookSubscriptionState['status'];
  /** Position of the last acknowledged delivery. */
  checkpoint: string | null;
  deadLetter: WebhookSubscriptionState['deadLetter'];
}

export interface DeliveryLogEntry {
  position: string;
  eventId: string;
  attempt: number;
  status: number | null;
  outcome: 'delivered' | 'failed' | 'dead_lettered';
  error?: string;
  at: string;
}

export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
export interface WebhookSettings {
  /** Whether this process delivers (AFTERCARE_WEBHOOKS; default: where projections run). */
  dispatch: boolean;
  /** First retry delay; doubles with every failed attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  defaultMaxAttempts: number;
  /** Where deliveries may go (AFTERCARE_WEBHOOK_ALLOW_HOSTS; see webhook-target.ts). */
  targets: WebhookTargetPolicy;
  /** Time to live of the dispatch lease (default 15 s): how soon another instance takes over. */
  leaseTtlMs?: number;
}

export function webhookSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dispatchByDefault = true,
): WebhookSettings {
  const flag = (env.AFTERCARE_WEBHOOKS ?? (dispatchByDefault ? 'on' : 'off')).trim().toLowerCase();
  if (flag !== 'on' && flag !== 'off') {
    throw new ConfigError(
      'AFTERCARE_WEBHOOKS',
      `must be 'on' or 'off', not '${env.AFTERCARE_WEBHOOKS}'`,
    );
  }
  return {
    dispatch: flag === 'on',
    baseBackoffMs: Number(env.AFTERCARE_WEBHOOK_BACKOFF_MS ?? 500),
    maxBackoffMs: Number(env.AFTERCARE_WEBHOOK_MAX_BACKOFF_MS ?? 60_000),
    timeoutMs: Number(env.AFTERCARE_WEBHOOK_TIMEOUT_MS ?? 10_000),
    defaultMaxAttempts: Number(env.AFTERCARE_WEBHOOK_MAX_ATTEMPTS ?? 8),
    targets: webhookTargetPolicyFromEnv(env),
    leaseTtlMs: loopLeaseTtlFromEnv(env),
  };
}

interface DeliveryLoop {
  cursor?: FeedCursor;
  stopped: boolean;
  abort: AbortController;
  tracker: LoopTracker;
  done: Promise<void>;
}

/**
 * Delivers the lifecycle feed to registered URLs: one loop per subscription, strictly in order,
 * signed, retried with exponential backoff, dead-lettered after maxAttempts (the loop then stops
 * until the dead letter is replayed). The checkpoint moves only after a 2xx, so a restart neither
 * loses nor repeats an acknowledged delivery. The registry and the loops outlive the store going
 * away: they resume from where they stood with the shared retry policy, and report to /health.
 */
@Injectable()
export class WebhookService
  implements OnApplicationBootstrap, OnApplicationShutdown, LoopStatusSource
{
  private readonly logger = new Logger('Webhooks');
  private readonly states = new Map<
    string,
    { state: WebhookSubscriptionState; revision: bigint }
  >();
  private readonly loops = new Map<string, DeliveryLoop>();
  private readonly recent = new Map<string, DeliveryLogEntry[]>();
  private registry?: Subscription;
  /** Position of the last registry event seen: where a resubscription resumes. */
  private registryPosition: bigint | undefined;
  private readonly registryTracker = new LoopTracker('webhook-registry');
  /** One instance dispatches: the holder of this lease; the others stand by. */
  private readonly lease: LoopLease;
  private readonly dispatchTracker = new LoopTracker('webhook-dispatch');
  private leading?: Promise<void>;
  private readonly shutdown = new AbortController();
  private readonly policy: RetryPolicy;
  private following?: Promise<void>;
  private readonly secrets: WebhookSecretBox;
  private loaded: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly feed: EventFeed,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    @Inject(MASTER_KEY) masterKey: MasterKey,
    @Optional() runtime?: RuntimeStatus,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore,
  ) {
    this.secrets = new WebhookSecretBox(masterKey.key);
    this.lease = new LoopLease(readModels, 'webhooks', settings.leaseTtlMs);
    this.policy = new RetryPolicy(settings.baseBackoffMs, settings.maxBackoffMs);
    runtime?.register(this);
  }

  /** The registry's follower and each delivery loop of this instance, for /health. */
  loopStatus(): LoopStatus[] {
    return [
      this.registryTracker.status(),
      ...(this.settings.dispatch ? [this.dispatchTracker.status()] : []),
      ...[...this.loops.values()].map((loop) => loop.tracker.status()),
    ];
  }

  /**
   * Follows the webhook streams in the background: registrations, replays and removals made by
   * any instance reach the dispatching one. Requests wait until the history is folded; start-up
   * does not (on a large store the scan takes a while).
   */
  onApplicationBootstrap(): void {
    let resolveLoaded: () => void = () => undefined;
    this.loaded = new Promise<void>((resolve) => (resolveLoaded = resolve));
    let caughtUp = false;
    this.following = superviseLoop({
      tracker: this.registryTracker,
      policy: this.policy,
      logger: this.logger,
      signal: this.shutdown.signal,
      pass: async () => {
        await this.followRegistry(() => {
          if (caughtUp) return;
          caughtUp = true;
          resolveLoaded();
          if (this.settings.dispatch) this.leading = this.lead();
        });
      },
    });
  }

  /** Dispatches while holding the lease; stands by (and stops every loop) while another does. */
  private async lead(): Promise<void> {
    const signal = this.shutdown.signal;
    while (!signal.aborted) {
      this.dispatchTracker.set('standby');
      let lost: () => void = () => undefined;
      const lostOrStopped = new Promise<void>((resolve) => {
        lost = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const held = await this.lease.acquire(signal, () => lost());
      if (!held) return;
      this.dispatchTracker.running();
      for (const { state } of this.states.values()) {
        if (state.status === 'active') this.start(state.subscriptionId);
      }
      await lostOrStopped;
      await Promise.all([...this.loops.keys()].map((id) => this.stop(id)));
    }
  }

  /** One subscription to the registry from where the last one stood, until closed or failed. */
  private async followRegistry(onCaughtUp: () => void): Promise<void> {
    const registry = this.store.subscribeToAll({
      from: this.registryPosition ?? 'start',
      filter: { categories: [WEBHOOK_CATEGORY] },
    });
    this.registry = registry;
    if (this.shutdown.signal.aborted) await registry.close();
    try {
      for await (const message of registry) {
        if (message.kind === 'caughtUp') {
          this.registryTracker.running({ checkpoint: this.registryPosition, caughtUp: true });
          onCaughtUp();
          continue;
        }
        this.registryPosition = message.event.position;
        this.react(message.event);
      }
    } finally {
      await registry.close();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    this.registryTracker.set('stopped');
    this.dispatchTracker.set('stopped');
    await this.registry?.close();
    await this.following;
    await this.leading;
    await Promise.all([...this.loops.keys()].map((id) => this.stop(id)));
    await this.lease.release();
  }

  /** The answer is the only time the secret is ever shown; the store keeps it sealed. */
  async register(request: RegisterWebhook, now: string): Promise<WebhookView & { secret: string }> {
    try {
      checkWebhookUrl(request.url, this.settings.targets);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) throw new BadRequestException(error.message);
      throw error;
    }
    await this.loaded;
    const subscriptionId = randomUUID();
    const secret = request.secret ?? randomBytes(32).toString('base64url');
    const from = request.from ?? 'end';
    const startAfter =
      from === 'end' ? await this.store.headPosition() : from === 'start' ? undefined : from;
    if (startAfter !== undefined) {
      await this.store.saveCheckpoint(webhookCheckpointId(subscriptionId), startAfter);
    }
    await this.append(subscriptionId, 'no_stream', {
      type: 'WebhookSubscriptionRegistered',
      data: {
        subscriptionId,
        url: request.url,
        secret: this.secrets.seal(subscriptionId, secret),
        categories: request.categories ?? [],
        typePrefixes: request.typePrefixes ?? [],
        customerId: request.customerId ?? null,
        maxAttempts: request.maxAttempts ?? this.settings.defaultMaxAttempts,
        registeredAt: now,
      },
    });
    if (this.settings.dispatch) this.start(subscriptionId);
    return { ...(await this.view(subscriptionId)), secret };
  }

  async list(): Promise<WebhookView[]> {
    await this.loaded;
    const views = [];
    for (const [id, { state }] of this.states)
      if (state.status !== 'removed') views.push(await this.view(id));
    return views;
  }

  async view(subscriptionId: string): Promise<WebhookView> {
    await this.loaded;
    const { state } = this.get(subscriptionId);
    const checkpoint = await this.store.loadCheckpoint(webhookCheckpointId(subscriptionId));
    return {
      subscriptionId,
      url: state.url,
      categories: state.categories,
      typePrefixes: state.typePrefixes,
      customerId: state.customerId,
      maxAttempts: state.maxAttempts,
      registeredAt: state.registeredAt,
      status: state.status,
      checkpoint: checkpoint === undefined ? null : checkpoint.toString(),
      deadLetter: state.deadLetter,
    };
  }

  /** Failures and dead letters (durable, from the subscription's stream) and recent deliveries. */
  async deliveries(subscriptionId: string): Promise<DeliveryLogEntry[]> {
    await this.loaded;
    const { state } = this.get(subscriptionId);
    const failures: DeliveryLogEntry[] = state.failures.map((f) => ({
      position: f.position,
      eventId: f.eventId,
      attempt: f.attempt,
      status: f.status,
      outcome: 'failed',
      error: f.error,
      at: f.at,
    }));
    const dead: DeliveryLogEntry[] = state.deadLetter
      ? [
          {
            position: state.deadLetter.position,
            eventId: state.deadLetter.eventId,
            attempt: state.deadLetter.attempts,
            status: null,
            outcome: 'dead_lettered',
            error: state.deadLetter.lastError,
            at: state.deadLetter.at,
          },
        ]
      : [];
    return [...failures, ...dead, ...(this.recent.get(subscriptionId) ?? [])].sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
    );
  }

  /** Takes a dead-lettered subscription back to active: the failed event is delivered again first. */
  async replay(subscriptionId: string, now: string): Promise<WebhookView> {
    await this.loaded;
    const { state, revision } = this.get(subscriptionId);
    if (state.status === 'dead_letter' && state.deadLetter) {
      await this.append(subscriptionId, revision, {
        type: 'WebhookDeadLetterReplayed',
        data: { subscriptionId, position: state.deadLetter.position, at: now },
      });
      if (this.settings.dispatch) this.start(subscriptionId);
    }
    return this.view(subscriptionId);
  }

  async remove(subscriptionId: string, now: string): Promise<void> {
    await this.loaded;
    const { revision } = this.get(subscriptionId);
    await this.stop(subscriptionId);
    await this.append(subscriptionId, revision, {
      type: 'WebhookSubscriptionRemoved',
      data: { subscriptionId, removedAt: now },
    });
  }

  private get(subscriptionId: string): { state: WebhookSubscriptionState; revision: bigint } {
    const entry = this.states.get(subscriptionId);
    if (!entry || entry.state.status === 'removed') {
      throw new NotFoundException(`No webhook subscription ${subscriptionId}`);
    }
    return entry;
  }

  /** Applies an event once: the append's result and the registry subscription both bring it. */
  private fold(event: RecordedEvent): boolean {
    const id = (event.data as { subscriptionId: string }).subscriptionId;
    const known = this.states.get(id);
    if (known && event.revision <= known.revision) return false;
    const state = evolveWebhook(known?.state, event as unknown as WebhookEvent);
    if (state) this.states.set(id, { state, revision: event.revision });
    return true;
  }

  /** What another instance recorded: start or stop this instance's delivery loop to match. */
  private react(event: RecordedEvent): void {
    this.fold(event);
    if (!this.settings.dispatch) return;
    const id = (event.data as { subscriptionId: string }).subscriptionId;
    const status = this.states.get(id)?.state.status;
    if (status === 'active') this.start(id);
    else if (status === 'removed') void this.stop(id);
  }

  private async append(
    subscriptionId: string,
    expected: 'no_stream' | bigint,
    event: WebhookEvent,
  ): Promise<void> {
    const result = await this.store.appendToStream(
      webhookStreamId(subscriptionId),
      [
        {
          id: randomUUID(),
          type: event.type,
          data: event.data,
          metadata: { schemaVersion: 1, actor: 'webhooks' },
        },
      ],
      { expectedRevision: expected },
    );
    for (const recorded of result.events) this.fold(recorded);
  }

  private start(subscriptionId: string): void {
    if (this.loops.has(subscriptionId) || this.shutdown.signal.aborted || !this.lease.held) return;
    const loop: DeliveryLoop = {
      stopped: false,
      abort: new AbortController(),
      tracker: new LoopTracker(`webhook:${subscriptionId}`),
      done: Promise.resolve(),
    };
    this.loops.set(subscriptionId, loop);
    // A failure (store, read, checkpoint) restarts the loop from its checkpoint after the policy's
    // delay: an event delivered but not yet checkpointed is delivered again, never lost.
    loop.done = superviseLoop({
      tracker: loop.tracker,
      policy: this.policy,
      logger: this.logger,
      signal: loop.abort.signal,
      pass: () => this.run(subscriptionId, loop),
    })
      .catch((error: unknown) =>
        this.logger.error(`Webhook ${subscriptionId} stopped: ${describeError(error)}`),
      )
      .finally(() => {
        if (this.loops.get(subscriptionId) === loop) this.loops.delete(subscriptionId);
      });
  }

  private async stop(subscriptionId: string): Promise<void> {
    const loop = this.loops.get(subscriptionId);
    if (!loop) return;
    loop.stopped = true;
    loop.abort.abort();
    await loop.cursor?.close();
    await loop.done;
  }

  private async run(subscriptionId: string, loop: DeliveryLoop): Promise<void> {
    const entry = this.states.get(subscriptionId);
    if (loop.stopped || entry?.state.status !== 'active') return;
    const { state } = entry;
    const checkpoint = await this.store.loadCheckpoint(webhookCheckpointId(subscriptionId));
    loop.cursor = this.feed.open({
      from: checkpoint ?? 'start',
      categories: state.categories,
      typePrefixes: state.typePrefixes,
      customerId: state.customerId ?? undefined,
    });
    loop.tracker.running({ checkpoint });
    for await (const message of loop.cursor) {
      if (loop.stopped) return;
      if (message.kind !== 'event') {
        loop.tracker.running({ caughtUp: true });
        continue;
      }
      const event = message.event;
      // A subscription never receives the webhook machinery's own events: that would feed back.
      if (event.streamId.startsWith(`${WEBHOOK_CATEGORY}-`)) continue;
      const delivered = await this.deliver(subscriptionId, event, loop);
      if (!delivered) {
        await loop.cursor.close();
        return;
      }
      loop.tracker.running({ checkpoint: event.position });
    }
  }

  /** Tries one event until acknowledged or dead-lettered; false stops the loop. */
  private async deliver(
    subscriptionId: string,
    event: RecordedEvent,
    loop: { stopped: boolean },
  ): Promise<boolean> {
    const body = wireEvent(event);
    let lastError = '';
    const { maxAttempts } = this.get(subscriptionId).state;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (loop.stopped) return false;
      const { state } = this.get(subscriptionId);
      const timestamp = Math.floor(Date.now() / 1000);
      let status: number | null = null;
      try {
        const secret = this.secrets.open(subscriptionId, state.secret);
        status = await postWebhook(
          state.url,
          {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
            'aftercare-event-id': event.id,
            'aftercare-event-position': event.position.toString(),
            'aftercare-subscription-id': subscriptionId,
          },
          body,
          this.settings.timeoutMs,
          this.settings.targets,
        );
        lastError = `HTTP ${status}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (status !== null && status >= 200 && status < 300) {
        // A store failure here propagates: the loop retries from the checkpoint (see start).
        await this.store.saveCheckpoint(webhookCheckpointId(subscriptionId), event.position);
        this.remember(subscriptionId, {
          position: event.position.toString(),
          eventId: event.id,
          attempt,
          status,
          outcome: 'delivered',
          at: new Date().toISOString(),
        });
        return true;
      }
      const at = new Date().toISOString();
      await this.append(subscriptionId, this.get(subscriptionId).revision, {
        type: 'WebhookDeliveryFailed',
        data: {
          subscriptionId,
          position: event.position.toString(),
          eventId: event.id,
          attempt,
          status,
          error: lastError,
          at,
        },
      });
      if (attempt < maxAttempts) {
        await sleep(
          Math.min(this.settings.maxBackoffMs, this.settings.baseBackoffMs * 2 ** (attempt - 1)),
        );
      }
    }
    await this.append(subscriptionId, this.get(subscriptionId).revision, {
      type: 'WebhookDeliveryDeadLettered',
      data: {
        subscriptionId,
        position: event.position.toString(),
        eventId: event.id,
        attempts: maxAttempts,
        lastError,
        at: new Date().toISOString(),
      },
    });
    return false;
  }

  private remember(subscriptionId: string, entry: DeliveryLogEntry): void {
    const list = this.recent.get(subscriptionId) ?? [];
    list.push(entry);
    if (list.length > 100) list.shift();
    this.recent.set(subscriptionId, list);
  }
}
