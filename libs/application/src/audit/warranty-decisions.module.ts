import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import type { ReadModelStore } from '@aftercare/read-models';
import { READ_MODEL_STORE } from '../projections/projections.tokens';
import { EVENT_STORE } from '../store/event-store.module';
import { WarrantyPolicyCatalogue } from '../warranty-policy/warranty-policy.catalogue';
import { WarrantyDecisionQueries } from './warranty-decision.queries';
import { WarrantyEngineReplay } from './warranty-engine-replay';
import { WarrantyPolicyReplay } from './warranty-policy-replay';

/**
 * The warranty decisions over the `warranty_decisions` read model, for every door (API, CLI): the
 * list, the report, the export and the policy and engine replays. Needs the read-model store
 * (`ProjectionsModule`) and the policy catalogue (`WarrantyAuditModule`).
 */
@Global()
@Module({
  providers: [
    {
      provide: WarrantyDecisionQueries,
      inject: [READ_MODEL_STORE, EVENT_STORE],
      useFactory: (readModels: ReadModelStore, store: EventStore) =>
        new WarrantyDecisionQueries(readModels, store),
    },
    {
      provide: WarrantyEngineReplay,
      inject: [EVENT_STORE, WarrantyDecisionQueries],
      useFactory: (store: EventStore, decisions: WarrantyDecisionQueries) =>
        new WarrantyEngineReplay(store, decisions),
    },
    {
      provide: WarrantyPolicyReplay,
      inject: [WarrantyDecisionQueries, WarrantyPolicyCatalogue],
      useFactory: (decisions: WarrantyDecisionQueries, catalogue: WarrantyPolicyCatalogue) =>
        new WarrantyPolicyReplay(decisions, catalogue),
    },
  ],
  exports: [WarrantyDecisionQueries, WarrantyEngineReplay, WarrantyPolicyReplay],
})
export class WarrantyDecisionsModule {}
