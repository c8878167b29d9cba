import type { CustomerEvent } from './customer.events';
import { DomainError } from './domain-error';
import { assertNever } from './domain-event';
import { toMillis } from './time';
import type {
  CustomerState,
  RegisterCustomer,
  KnownCustomer,
  CompleteDelivery,
  CompleteSetup,
  RecordPurchase,
  RecordSetupFailure,
  ScheduleDelivery,
} from './customer.commands';
import { deliveryTiming, requireAmount, requirePurchase, withoutUndefined } from './customer.rules';
import { entryOf } from './records';

export type PurchaseCommand =
  RecordPurchase | ScheduleDelivery | CompleteDelivery | CompleteSetup | RecordSetupFailure;

/** Purchases, deliveries and setup: what was bought and how it reached the customer. */
export function decidePurchases(command: PurchaseCommand, state: KnownCustomer): CustomerEvent[] {
  const { customerId, occurredAt } = command.data;

  switch (command.type) {
    case 'RecordPurchase': {
      const d = command.data;
      if (entryOf(state.purchases, d.purchaseId)) {
        throw new DomainError(
          'duplicate_purchase',
          `Purchase ${d.purchaseId} is already recorded`,
          {
            purchaseId: d.purchaseId,
          },
        );
      }
      requireAmount(d.price, 'price');
      requireAmount(d.warranty.returnWindowDays, 'warranty.returnWindowDays');
      return [
        {
          type: 'PurchaseRecorded',
          data: withoutUndefined({
            customerId,
            occurredAt,
            purchaseId: d.purchaseId,
            orderId: d.orderId,
            sku: d.sku,
            productCategory: d.productCategory,
            serialNumber: d.serialNumber,
            supplierBatch: d.supplierBatch,
            price: d.price,
            currency: d.currency,
            channel: d.channel,
            warranty: {
              warrantyPolicyId: d.warranty.warrantyPolicyId,
              returnWindowDays: d.warranty.returnWindowDays,
            },
          }),
        },
      ];
    }

    case 'ScheduleDelivery': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (entryOf(state.deliveries, d.deliveryId)) {
        throw new DomainError('duplicate_delivery', `Delivery ${d.deliveryId} already exists`, {
          deliveryId: d.deliveryId,
        });
      }
      if (p.deliveredAt !== null) {
        throw new DomainError(
          'purchase_already_delivered',
          `Purchase ${p.purchaseId} was already delivered`,
          { purchaseId: p.purchaseId },
        );
      }
      if (toMillis(d.promisedTo, 'promisedTo') < toMillis(d.promisedFrom, 'promisedFrom')) {
        throw new DomainError(
          'invalid_delivery_window',
          'The promised window ends before it starts',
          { promisedFrom: d.promisedFrom, promisedTo: d.promisedTo },
        );
      }
      return [
        {
          type: 'DeliveryScheduled',
          data: {
            customerId,
            occurredAt,
            deliveryId: d.deliveryId,
            purchaseId: d.purchaseId,
            promisedFrom: d.promisedFrom,
            promisedTo: d.promisedTo,
          },
        },
      ];
    }

    case 'CompleteDelivery': {
      const delivery = entryOf(state.deliveries, command.data.deliveryId);
      if (!delivery) {
        throw new DomainError(
          'delivery_not_found',
          `Delivery ${command.data.deliveryId} was never scheduled`,
          { deliveryId: command.data.deliveryId },
        );
      }
      if (delivery.completedAt !== null) {
        throw new DomainError(
          'delivery_already_completed',
          `Delivery ${delivery.deliveryId} was already completed`,
          { deliveryId: delivery.deliveryId },
        );
      }
      if (entryOf(state.purchases, delivery.purchaseId)?.deliveredAt) {
        throw new DomainError(
          'purchase_already_delivered',
          `Purchase ${delivery.purchaseId} was already delivered by another delivery`,
          { purchaseId: delivery.purchaseId },
        );
      }
      const timing = deliveryTiming(occurredAt, delivery.promisedFrom, delivery.promisedTo);
      return [
        {
          type: 'DeliveryCompleted',
          data: {
            customerId,
            occurredAt,
            deliveryId: delivery.deliveryId,
            purchaseId: delivery.purchaseId,
            deliveredAt: occurredAt,
            onTime: timing !== 'late',
            timing,
          },
        },
      ];
    }

    case 'CompleteSetup':
    case 'RecordSetupFailure': {
      const p = requirePurchase(state, command.data.purchaseId);
      if (p.setupCompleted) {
        throw new DomainError(
          'setup_already_completed',
          `Setup of purchase ${p.purchaseId} is already completed`,
          { purchaseId: p.purchaseId },
        );
      }
      if (p.deliveredAt === null && p.pendingDeliveries > 0) {
        throw new DomainError(
          'purchase_not_delivered',
          `Purchase ${p.purchaseId} has a delivery scheduled that has not arrived`,
          { purchaseId: p.purchaseId },
        );
      }
      const attempt = p.setupFailures + 1;
      if (command.type === 'CompleteSetup') {
        return [
          {
            type: 'SetupCompleted',
            data: { customerId, occurredAt, purchaseId: p.purchaseId, attempt },
          },
        ];
      }
      return [
        {
          type: 'SetupFailed',
          data: {
            customerId,
            occurredAt,
            purchaseId: p.purchaseId,
            reason: command.data.reason,
            attempt,
          },
        },
      ];
    }

    default:
      return assertNever(command, 'customer command');
  }
}

export function register(command: RegisterCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status === 'erased') {
    throw new DomainError('customer_erased', `Customer ${state.customerId} was erased`, {
      customerId: state.customerId,
    });
  }
  if (state.status === 'active') {
    throw new DomainError(
      'customer_already_registered',
      `Customer ${state.customerId} is already registered`,
      { customerId: state.customerId },
    );
  }
  const d = command.data;
  toMillis(d.occurredAt);
  return [
    {
      type: 'CustomerRegistered',
      data: {
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        pii: d.pii,
        jurisdiction: d.jurisdiction,
        countryCode: d.countryCode,
        segment: d.segment,
        signupChannel: d.signupChannel,
      },
    },
  ];
}
