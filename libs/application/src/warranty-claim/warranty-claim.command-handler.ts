import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  DomainError,
  GENESIS_HASH,
  chainEvents,
  customerStreamId,
  entryOf,
  foldCustomer,
  foldWarrantyPolicy,
  warrantyClaimDecider,
  warrantyClaimStreamId,
  warrantyPolicyStreamId,
  type AssessWarrantyClaim,
  type CustomerEvent,
  type FileWarrantyClaim,
  type FulfilWarrantyClaim,
  type OverrideWarrantyDecision,
  type PurchaseSnapshot,
  type RefuseWarrantyRemedy,
  type WarrantyClaimCommand,
  type WarrantyClaimEvent,
  type WarrantyPolicyEvent,
} from '@aftercare/domain';
import type { EventStore, EventToAppend } from '@aftercare/event-store';
import { AUDIT_KEYS } from '../crypto/crypto.module';
import type { AuditKeys } from '../crypto/audit-keys';
import { PII_VAULT } from '../pii/pii.module';
import type { PiiVault } from '../pii/pii-vault';
import { EVENT_STORE } from '../store/event-store.module';
import { requestDigest, type CommandContext } from '../write/command-context';
import type { CommandResult } from '../write/command-result';
import { domainEvents, loadStream, type LoadedStream } from '../write/load-stream';
import { StreamWriter } from '../write/stream-writer';
import { PRIOR_CLAIMS_FINDER, type PriorClaimsFinder } from './prior-claims.finder';

/** The facts the application gathers itself; the caller only says what is claimed. */
type GatheredFacts =
  'purchase' | 'priorClaims' | 'policyVersions' | 'jurisdiction' | 'countryCode' | 'decidedBy';

/** Filing as callers ask for it; the serial defaults to the purchase's (none: by purchase id). */
export type FileWarrantyClaimRequest = {
  type: 'FileWarrantyClaim';
  data: Omit<FileWarrantyClaim['data'], GatheredFacts>;
};

/** The customer's country is gathered here, for claims engine v1 decided. */
export type AssessWarrantyClaimRequest = {
  type: 'AssessWarrantyClaim';
  data: Omit<AssessWarrantyClaim['data'], 'countryCode'>;
};
export type RefuseWarrantyRemedyRequest = {
  type: 'RefuseWarrantyRemedy';
  data: Omit<RefuseWarrantyRemedy['data'], 'countryCode'>;
};

export type WarrantyClaimRequest =
  | FileWarrantyClaimRequest
  | AssessWarrantyClaimRequest
  | RefuseWarrantyRemedyRequest
  | OverrideWarrantyDecision
  | FulfilWarrantyClaim;

export class WarrantyClaimCommandEnvelope extends Command<CommandResult> {
  constructor(
    readonly command: WarrantyClaimRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * The warranty claim aggregate's one handler: stream `warranty-<claimId>`. Filing gathers the
 * facts for the pure engine (purchase and jurisdiction from the customer stream, earlier claims on
 * the serial, the policy's versions); every event is hash-chained to the stream's last one.
 */
@CommandHandler(WarrantyClaimCommandEnvelope)
export class WarrantyClaimCommandHandler implements ICommandHandler<WarrantyClaimCommandEnvelope> {
  constructor(
    private readonly writer: StreamWriter,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PRIOR_CLAIMS_FINDER) private readonly priorClaims: PriorClaimsFinder,
    @Inject(PII_VAULT) private readonly pii: PiiVault,
    @Inject(AUDIT_KEYS) private readonly auditKeys: AuditKeys,
  ) {}

  execute({ command, context }: WarrantyClaimCommandEnvelope): Promise<CommandResult> {
    return this.writer.write({
      streamId: warrantyClaimStreamId(command.data.claimId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: async (stream) => {
        const state = domainEvents<WarrantyClaimEvent>(stream).reduce(
          warrantyClaimDecider.evolve,
          warrantyClaimDecider.initialState(),
        );
        let full: WarrantyClaimCommand;
        switch (command.type) {
          case 'FileWarrantyClaim':
            full = await this.withFacts(command);
            break;
          case 'AssessWarrantyClaim':
          case 'RefuseWarrantyRemedy': {
            const customerId = state.status === 'none' ? null : state.customerId;
            const countryCode = customerId ? (await this.customer(customerId)).countryCode : null;
            full = { ...command, data: { ...command.data, countryCode } } as WarrantyClaimCommand;
            break;
          }
          default:
            full = command;
        }
        // Filing sealed its free text before deciding; an assessment's notes are sealed here.
        return this.pii.sealEvents(warrantyClaimDecider.decide(full, state));
      },
      seal: (events, stream) => chainToStream(events, stream, this.auditKeys.chainKey),
    });
  }

  /** The customer's state and the country recorded at registration. */
  private async customer(customerId: string) {
    const events = domainEvents<CustomerEvent>(
      await loadStream(this.store, customerStreamId(customerId)),
    );
    const registered = events.find((e) => e.type === 'CustomerRegistered');
    return {
      state: foldCustomer(events),
      countryCode: registered?.type === 'CustomerRegistered' ? registered.data.countryCode : null,
    };
  }

  private async withFacts(command: FileWarrantyClaimRequest): Promise<FileWarrantyClaim> {
    // The claimant's free text is sealed before the engine sees it, so the recorded facts, their
    // digest and the hash chain all cover the ciphertext as stored.
    const d = await this.pii.sealData('WarrantyClaimFiled', command.data);
    const { state: customer, countryCode } = await this.customer(d.customerId);
    if (customer.status === 'unregistered') {
      throw new DomainError('customer_not_found', `Customer ${d.customerId} is not registered`, {
        customerId: d.customerId,
      });
    }
    const bought = entryOf(customer.purchases, d.purchaseId);
    const purchase: PurchaseSnapshot | null = bought
      ? {
          purchaseId: bought.purchaseId,
          customerId: d.customerId,
          sku: bought.sku,
          productCategory: bought.productCategory,
          ...(bought.serialNumber !== undefined ? { serialNumber: bought.serialNumber } : {}),
          price: bought.price,
          currency: bought.currency,
          purchasedAt: bought.purchasedAt,
          deliveredAt: bought.deliveredAt,
          warrantyPolicyId: bought.warranty.warrantyPolicyId,
        }
      : null;
    const serialNumber = d.serialNumber ?? purchase?.serialNumber;
    const policy = purchase
      ? foldWarrantyPolicy(
          domainEvents<WarrantyPolicyEvent>(
            await loadStream(this.store, warrantyPolicyStreamId(purchase.warrantyPolicyId)),
          ),
        )
      : undefined;
    return {
      type: 'FileWarrantyClaim',
      data: {
        ...d,
        ...(serialNumber !== undefined ? { serialNumber } : {}),
        purchase,
        priorClaims: purchase
          ? await this.priorClaims.claimsOn({
              serialNumber: purchase.serialNumber ?? null,
              purchaseId: purchase.purchaseId,
            })
          : [],
        policyVersions: policy?.versions ?? [],
        jurisdiction: customer.jurisdiction,
        countryCode,
        decidedBy: { kind: 'system' },
      },
    };
  }
}

/**
 * Links the batch to the last stored event of the claim's stream (genesis for a new claim), keyed
 * with the chain key kept outside the database.
 */
function chainToStream(
  events: EventToAppend[],
  stream: LoadedStream,
  key: Buffer,
): EventToAppend[] {
  const lastHash = stream.events.at(-1)?.metadata.hash;
  return chainEvents(typeof lastHash === 'string' ? lastHash : GENESIS_HASH, events, key);
}
