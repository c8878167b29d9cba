export * from './store/event-store.module';
export * from './feed/event-feed';
export * from './feed/event-feed.module';
export * from './webhooks/webhook.events';
export * from './webhooks/webhook-signature';
export * from './webhooks/webhook.service';
export * from './webhooks/webhook.module';
