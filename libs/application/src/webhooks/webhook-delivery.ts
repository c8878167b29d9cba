import { setTimeout as sleep } from 'node:timers/promises';
import type { AllFilter, EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import type { BatchOutcome, ConsumerContext, EventConsumer } from '@aftercare/read-models';
import type { WebhookSecretBox } from '../crypto/webhook-secret.box';
import type { EventFeed, FeedAdmission } from '../feed/event-feed';
import { wireEvent } from '../feed/wire-event';
import {
  WEBHOOK_CATEGORY,
  webhookCheckpointId,
  type WebhookEvent,
  type WebhookSubscriptionState,
} from './webhook.events';
import type { WebhookSettings } from './webhook-settings';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { postWebhook } from './webhook-target';

export interface DeliveryLogEntry {
  position: string;
  eventId: string;
  attempt: number;
  status: number | null;
  outcome: 'delivered' | 'failed' | 'dead_lettered';
  error?: string;
  at: string;
}

/** What a delivery needs of the registry: the subscription as folded, and its stream to record in. */
export interface WebhookRegistryPort {
  state(subscriptionId: string): { state: WebhookSubscriptionState; revision: bigint } | undefined;
  append(subscriptionId: string, expected: bigint, event: WebhookEvent): Promise<void>;
  remember(subscriptionId: string, entry: DeliveryLogEntry): void;
}

/** The consumer name (and /health loop) of one subscription's deliveries. */
export const webhookConsumerName = (subscriptionId: string): string => `webhook:${subscriptionId}`;

/**
 * One subscription's deliveries, as a consumer of the projection runtime: the runtime runs it on
 * one instance at a time (its lease) and hands it the subscription's events in order from its
 * checkpoint. Each event is posted, signed, until a 2xx (then the checkpoint moves, under the
 * lease) or `maxAttempts` failures with exponential backoff (then it is dead-lettered and the
 * consumer pauses until the dead letter is replayed). An event delivered but not checkpointed
 * (a crash, a store error) is delivered again: at least once, never lost.
 */
export class WebhookDelivery implements EventConsumer {
  readonly name: string;
  readonly filter: AllFilter;
  private readonly admission: FeedAdmission;

  constructor(
    private readonly subscriptionId: string,
    subscription: WebhookSubscriptionState,
    private readonly store: EventStore,
    feed: EventFeed,
    private readonly registry: WebhookRegistryPort,
    private readonly secrets: WebhookSecretBox,
    private readonly settings: WebhookSettings,
  ) {
    this.name = webhookConsumerName(subscriptionId);
    this.admission = feed.admission({
      categories: subscription.categories,
      typePrefixes: subscription.typePrefixes,
      customerId: subscription.customerId ?? undefined,
    });
    this.filter = this.admission.filter;
  }

  active(): boolean {
    return this.registry.state(this.subscriptionId)?.state.status === 'active';
  }

  open(): Promise<GlobalPosition | undefined> {
    return this.store.loadCheckpoint(webhookCheckpointId(this.subscriptionId));
  }

  async handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome> {
    for (const recorded of batch) {
      // A subscription never receives the webhook machinery's own events: that would feed back.
      if (recorded.streamId.startsWith(`${WEBHOOK_CATEGORY}-`)) continue;
      if (!this.active() || context.signal.aborted) break;
      const event = await this.admission.admit(recorded);
      if (!event) continue;
      if (!(await this.deliver(event, context))) {
        return context.signal.aborted ? 'committed' : 'paused';
      }
    }
    return 'committed';
  }

  /** Tries one event until acknowledged or dead-lettered; false when it was not delivered. */
  private async deliver(event: RecordedEvent, context: ConsumerContext): Promise<boolean> {
    const id = this.subscriptionId;
    const body = wireEvent(event);
    let lastError = '';
    const { maxAttempts } = this.current().state;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (context.signal.aborted) return false;
      const { state } = this.current();
      const timestamp = Math.floor(Date.now() / 1000);
      let status: number | null = null;
      try {
        const secret = this.secrets.open(id, state.secret);
        status = await postWebhook(
          state.url,
          {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
            'aftercare-event-id': event.id,
            'aftercare-event-position': event.position.toString(),
            'aftercare-subscription-id': id,
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
        // A store failure here propagates: the runtime retries from the checkpoint.
        await context.commit(event.position, () =>
          this.store.saveCheckpoint(webhookCheckpointId(id), event.position),
        );
        this.registry.remember(id, {
          position: event.position.toString(),
          eventId: event.id,
          attempt,
          status,
          outcome: 'delivered',
          at: new Date().toISOString(),
        });
        return true;
      }
      await this.registry.append(id, this.current().revision, {
        type: 'WebhookDeliveryFailed',
        data: {
          subscriptionId: id,
          position: event.position.toString(),
          eventId: event.id,
          attempt,
          status,
          error: lastError,
          at: new Date().toISOString(),
        },
      });
      if (attempt < maxAttempts) {
        const backoff = Math.min(
          this.settings.maxBackoffMs,
          this.settings.baseBackoffMs * 2 ** (attempt - 1),
        );
        await sleep(backoff, undefined, { signal: context.signal }).catch(() => undefined);
      }
    }
    if (context.signal.aborted) return false;
    await this.registry.append(id, this.current().revision, {
      type: 'WebhookDeliveryDeadLettered',
      data: {
        subscriptionId: id,
        position: event.position.toString(),
        eventId: event.id,
        attempts: maxAttempts,
        lastError,
        at: new Date().toISOString(),
      },
    });
    return false;
  }

  private current(): { state: WebhookSubscriptionState; revision: bigint } {
    const entry = this.registry.state(this.subscriptionId);
    if (!entry) throw new Error(`No webhook subscription ${this.subscriptionId}`);
    return entry;
  }
}
