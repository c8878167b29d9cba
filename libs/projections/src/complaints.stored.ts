import type { ComplaintState } from './complaints.projection';
import type { StoredForm } from './projection';
import { optionalInstantIn, optionalInstantOut, type StoredInstant as At } from './stored-form';

/** A complaint as stored: an array in the state's field order, without its id (the key). */
type ComplaintRow = [
  customerId: string | null,
  purchaseId: string | null,
  category: string | null,
  severity: string | null,
  filedAt: At | null,
  acknowledgedAt: At | null,
  resolvedAt: At | null,
  open: boolean,
];

export const storedComplaint: StoredForm<ComplaintState> = {
  encode: (s): ComplaintRow => [
    s.customerId,
    s.purchaseId,
    s.category,
    s.severity,
    optionalInstantOut(s.filedAt),
    optionalInstantOut(s.acknowledgedAt),
    optionalInstantOut(s.resolvedAt),
    s.open,
  ],
  decode: (stored, complaintId) => {
    const c = stored as ComplaintRow;
    return {
      complaintId,
      customerId: c[0],
      purchaseId: c[1],
      category: c[2],
      severity: c[3],
      filedAt: optionalInstantIn(c[4]),
      acknowledgedAt: optionalInstantIn(c[5]),
      resolvedAt: optionalInstantIn(c[6]),
      open: c[7],
    };
  },
};
