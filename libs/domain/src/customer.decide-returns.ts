import type { CustomerEvent } from './customer.events';
import { DomainError } from './domain-error';
import { assertNever } from './domain-event';
import { addDays, toMillis } from './time';
import type {
  KnownCustomer,
  CompleteReturn,
  RecordRepair,
  RequestReturn,
} from './customer.commands';
import { requireAmount, requirePurchase } from './customer.rules';
import { entryOf } from './records';

export type ReturnOrRepairCommand = RecordRepair | RequestReturn | CompleteReturn;

/** Repairs and returns of purchased products. */
export function decideReturnsAndRepairs(
  command: ReturnOrRepairCommand,
  state: KnownCustomer,
): CustomerEvent[] {
  const { customerId, occurredAt } = command.data;

  switch (command.type) {
    case 'RecordRepair': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (entryOf(state.repairIds, d.repairId)) {
        throw new DomainError('duplicate_repair', `Repair ${d.repairId} is already recorded`, {
          repairId: d.repairId,
        });
      }
      if (p.serialNumber !== undefined && p.serialNumber !== d.serialNumber) {
        throw new DomainError(
          'serial_number_mismatch',
          `Serial ${d.serialNumber} is not the serial of purchase ${p.purchaseId}`,
          { purchaseId: p.purchaseId, serialNumber: d.serialNumber },
        );
      }
      requireAmount(d.cost, 'cost');
      return [
        {
          type: 'RepairCompleted',
          data: {
            customerId,
            occurredAt,
            repairId: d.repairId,
            purchaseId: p.purchaseId,
            serialNumber: d.serialNumber,
            paidBy: d.paidBy,
            cost: d.cost,
            currency: p.currency,
            defectCode: d.defectCode,
            ...(d.warrantyClaimId !== undefined ? { warrantyClaimId: d.warrantyClaimId } : {}),
          },
        },
      ];
    }

    case 'RequestReturn': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (entryOf(state.returns, d.returnId)) {
        throw new DomainError('duplicate_return', `Return ${d.returnId} already exists`, {
          returnId: d.returnId,
        });
      }
      if (p.returnId !== null) {
        throw new DomainError(
          'return_already_requested',
          `Purchase ${p.purchaseId} already has return ${p.returnId}`,
          { purchaseId: p.purchaseId, returnId: p.returnId },
        );
      }
      const windowStart = p.deliveredAt ?? p.purchasedAt;
      const windowEnd = addDays(windowStart, p.warranty.returnWindowDays);
      if (toMillis(occurredAt) > toMillis(windowEnd)) {
        throw new DomainError(
          'return_window_closed',
          `The ${p.warranty.returnWindowDays}-day return window of purchase ${p.purchaseId} closed at ${windowEnd}`,
          { purchaseId: p.purchaseId, windowStart, windowEnd },
        );
      }
      return [
        {
          type: 'ReturnRequested',
          data: {
            customerId,
            occurredAt,
            returnId: d.returnId,
            purchaseId: p.purchaseId,
            reason: d.reason,
          },
        },
      ];
    }

    case 'CompleteReturn': {
      const d = command.data;
      const r = entryOf(state.returns, d.returnId);
      if (!r) {
        throw new DomainError('return_not_found', `Return ${d.returnId} was never requested`, {
          returnId: d.returnId,
        });
      }
      if (r.status === 'completed') {
        throw new DomainError(
          'return_already_completed',
          `Return ${r.returnId} is already completed`,
          { returnId: r.returnId },
        );
      }
      const p = requirePurchase(state, r.purchaseId);
      requireAmount(d.refundAmount, 'refundAmount');
      if (d.refundAmount > p.price) {
        throw new DomainError(
          'refund_exceeds_price',
          `A refund of ${d.refundAmount} exceeds the price paid (${p.price})`,
          { refundAmount: d.refundAmount, price: p.price },
        );
      }
      return [
        {
          type: 'ReturnCompleted',
          data: {
            customerId,
            occurredAt,
            returnId: r.returnId,
            purchaseId: r.purchaseId,
            outcome: d.outcome,
            refundAmount: d.refundAmount,
            currency: p.currency,
          },
        },
      ];
    }

    default:
      return assertNever(command, 'customer command');
  }
}
