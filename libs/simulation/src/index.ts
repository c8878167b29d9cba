// The deterministic after-sales world: customers, purchases, service, claims, as events to append.
export * from './world.model';
export * from './world.generator';
export { POLICIES, PRODUCTS, STANDARD_POLICY, EXTENDED_POLICY } from './catalogue';
export type { Product, ProductCategory, PolicySpec } from './catalogue';
export { SteppedWorld } from './world.stepper';
export type { CustomerOutcome } from './world.stepper';
export { RETENTION_ACTION_EFFECTS, DEFAULT_ACTION_OPTIONS } from './actions.simulation';
export type { ActionOptions } from './actions.simulation';
export { resolveBadBatch, supplierBatchOf } from './supplier-batches';
export type { BadBatchOption, ResolvedBadBatch } from './supplier-batches';
