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
import type { EventStore, RecordedEvent, Subscription } from '@aftercare/event-store';
import type { ProjectionEngine } from '@aftercare/read-models';
import { MASTER_KEY } from '../crypto/crypto.module';
import type { MasterKey } from '../crypto/master-key';
import { WebhookSecretBox } from '../crypto/webhook-secret.box';
import { EventFeed } from '../feed/event-feed';
import { LoopTracker, RetryPolicy, superviseLoop } from '../loops/retry-policy';
import { PROJECTION_ENGINE } from '../projections/projections.tokens';
import { type LoopStatus, RuntimeStatus } from '../projections/runtime-status';
import { EVENT_STORE } from '../store/event-store.module';
import {
  evolveWebhook,
  WEBHOOK_CATEGORY,
  webhookCheckpointId,
  type WebhookEvent,
  type WebhookSubscriptionState,
  webhookStreamId,
} from './webhook.events';
import {
  type DeliveryLogEntry,
  webhookConsumerName,
  WebhookDelivery,
  type WebhookRegistryPort,
} from './webhook-delivery';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhook-settings';
import { checkWebhookUrl, WebhookTargetRefused } from './webhook-target';

export { type DeliveryLogEntry } from './webhook-delivery';
export * from './webhook-settings';

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

/**
 * Webhook subscriptions: the registry (registrations, replays, removals and delivery failures,
 * recorded in `webhook-<id>` streams and folded on every instance) and their deliveries. Each
 * subscription's deliveries are a consumer of the projection runtime (`WebhookDelivery`): one
 * instance delivers it at a time, strictly in order, signed, retried with exponential backoff,
 * dead-lettered after maxAttempts; the checkpoint moves only after a 2xx. The registry follower
 * outlives the store going away with the shared retry policy; both report to /health.
 */
@Injectable()
export class WebhookService
  implements OnApplicationBootstrap, OnApplicationShutdown, WebhookRegistryPort
{
  private readonly logger = new Logger('Webhooks');
  private readonly states = new Map<
    string,
    { state: WebhookSubscriptionState; revision: bigint }
  >();
  private readonly recent = new Map<string, DeliveryLogEntry[]>();
  private registry?: Subscription;
  /** Position of the last registry event seen: where a resubscription resumes. */
  private registryPosition: bigint | undefined;
  private readonly registryTracker = new LoopTracker('webhook-registry');
  /** Set once the registry's history is folded: deliveries start only then. */
  private dispatching = false;
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
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Optional() runtime?: RuntimeStatus,
  ) {
    this.secrets = new WebhookSecretBox(masterKey.key);
    this.policy = new RetryPolicy(settings.baseBackoffMs, settings.maxBackoffMs);
    // The deliveries report as the runtime's consumers; the registry follower reports here.
    runtime?.register({ loopStatus: () => this.registryTracker.status() });
  }

  /** The registry's follower and each subscription's deliveries as the runtime runs them. */
  loopStatus(): LoopStatus[] {
    return [
      this.registryTracker.status(),
      ...this.engine.consumerStatus().filter((status) => status.name.startsWith('webhook:')),
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
          this.dispatching = this.settings.dispatch;
          for (const id of this.states.keys()) this.dispatch(id);
        });
      },
    });
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
        if (message.kind !== 'event') continue;
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
    this.dispatching = false;
    await this.registry?.close();
    await this.following;
    await Promise.all([...this.states.keys()].map((id) => this.stop(id)));
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
    this.dispatch(subscriptionId);
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
      this.dispatch(subscriptionId);
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

  /** What another instance recorded: add or remove this subscription's consumer to match. */
  private react(event: RecordedEvent): void {
    this.fold(event);
    this.dispatch((event.data as { subscriptionId: string }).subscriptionId);
  }

  /** The subscription as folded, for its deliveries. */
  state(subscriptionId: string): { state: WebhookSubscriptionState; revision: bigint } | undefined {
    return this.states.get(subscriptionId);
  }

  async append(
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

  /**
   * Matches this instance's consumers to the registry (once its history is folded): an active or
   * dead-lettered subscription has one (the runtime runs it while active), a removed one none.
   */
  private dispatch(subscriptionId: string): void {
    const entry = this.states.get(subscriptionId);
    if (!this.dispatching || !entry) return;
    if (entry.state.status === 'removed') {
      void this.stop(subscriptionId);
      return;
    }
    const name = webhookConsumerName(subscriptionId);
    if (!this.engine.consumerStatus(name).length) {
      this.engine.addConsumer(
        new WebhookDelivery(
          subscriptionId,
          entry.state,
          this.store,
          this.feed,
          this,
          this.secrets,
          this.settings,
        ),
      );
    } else if (entry.state.status === 'active') {
      void this.engine.claimNow();
    }
  }

  private async stop(subscriptionId: string): Promise<void> {
    await this.engine.removeConsumer(webhookConsumerName(subscriptionId));
  }

  remember(subscriptionId: string, entry: DeliveryLogEntry): void {
    const list = this.recent.get(subscriptionId) ?? [];
    list.push(entry);
    if (list.length > 100) list.shift();
    this.recent.set(subscriptionId, list);
  }
}
