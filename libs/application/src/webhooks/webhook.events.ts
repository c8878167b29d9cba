/**
 * Webhook subscriptions are event-sourced in their own streams (`webhook-<subscriptionId>`), so
 * registrations, failures and dead letters survive restarts and can be audited. Delivery progress
 * is the store checkpoint `webhook:<subscriptionId>`.
 */
export const WEBHOOK_CATEGORY = 'webhook';

export const webhookStreamId = (subscriptionId: string): string =>
  `${WEBHOOK_CATEGORY}-${subscriptionId}`;
export const webhookCheckpointId = (subscriptionId: string): string => `webhook:${subscriptionId}`;

export type WebhookEvent =
  | {
      type: 'WebhookSubscriptionRegistered';
      data: {
        subscriptionId: string;
        url: string;
        secret: string;
        categories: string[];
        typePrefixes: string[];
        customerId: string | null;
        maxAttempts: number;
        registeredAt: string;
      };
    }
  | { type: 'WebhookSubscriptionRemoved'; data: { subscriptionId: string; removedAt: string } }
  | {
      type: 'WebhookDeliveryFailed';
      data: {
        subscriptionId: string;
        position: string;
        eventId: string;
        attempt: number;
        status: number | null;
        error: string;
        at: string;
      };
    }
  | {
      type: 'WebhookDeliveryDeadLettered';
      data: {
        subscriptionId: string;
        position: string;
        eventId: string;
        attempts: number;
        lastError: string;
        at: string;
      };
    }
  | {
      type: 'WebhookDeadLetterReplayed';
      data: { subscriptionId: string; position: string; at: string };
    };

export interface WebhookSubscriptionState {
  subscriptionId: string;
  url: string;
  secret: string;
  categories: string[];
  typePrefixes: string[];
  customerId: string | null;
  maxAttempts: number;
  registeredAt: string;
  status: 'active' | 'dead_letter' | 'removed';
  deadLetter: {
    position: string;
    eventId: string;
    attempts: number;
    lastError: string;
    at: string;
  } | null;
  failures: Extract<WebhookEvent, { type: 'WebhookDeliveryFailed' }>['data'][];
}

/** Folds a subscription's stream; failures keep the most recent 100 for the delivery log. */
export function evolveWebhook(
  state: WebhookSubscriptionState | undefined,
  event: WebhookEvent,
): WebhookSubscriptionState | undefined {
  switch (event.type) {
    case 'WebhookSubscriptionRegistered':
      return { ...event.data, status: 'active', deadLetter: null, failures: [] };
    case 'WebhookSubscriptionRemoved':
      return state && { ...state, status: 'removed' };
    case 'WebhookDeliveryFailed':
      return state && { ...state, failures: [...state.failures, event.data].slice(-100) };
    case 'WebhookDeliveryDeadLettered': {
      const { subscriptionId: _id, ...deadLetter } = event.data;
      return state && { ...state, status: 'dead_letter', deadLetter };
    }
    case 'WebhookDeadLetterReplayed':
      return state && { ...state, status: 'active', deadLetter: null };
    default: {
      const never: never = event;
      return never;
    }
  }
}
