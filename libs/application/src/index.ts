export * from './store/event-store.module';
export * from './feed/event-feed';
export * from './feed/event-feed.module';
export * from './webhooks/webhook.events';
export * from './webhooks/webhook-signature';
export * from './webhooks/webhook.service';
export * from './webhooks/webhook.module';

// Write side: one command handler per aggregate, on the @nestjs/cqrs CommandBus.
export * from './write/write-application.module';
export * from './write/command-context';
export * from './write/command-result';
export * from './write/application.errors';
export * from './write/event-ids';
export * from './write/event-stored.event';
export * from './write/load-stream';
export * from './write/stream-writer';
export * from './customer/customer.command-handler';
export * from './warranty-claim/warranty-claim.command-handler';
export * from './warranty-claim/prior-claims.finder';
export * from './warranty-policy/warranty-policy.command-handler';
export * from './audit/warranty-audit';
export * from './audit/warranty-audit.module';
export * from './projections/projections.module';
export * from './projections/projections.tokens';
export * from './clv/clv-refit';
