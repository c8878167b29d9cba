import type { ChurnIncidentKind as IncidentKind } from '@aftercare/analytics';
import type { ChurnIncidentsState } from './churn-incidents.projection';
import type { StoredForm } from './projection';
import { instantIn, instantOut, recordIn, rowsOut, type StoredInstant as At } from './stored-form';

/**
 * Churn incidents as stored: arrays in the state's field order, without the customer id (the
 * key) or field names; claims counted as rejected as a list of their ids.
 */
type IncidentsRow = [
  incidents: [kind: IncidentKind, at: At][],
  complaints: [complaintId: string, filedAt: At, remedySought: string][],
  pendingDeliveries: [purchaseId: string, deliveryId: string][],
  rejectedClaims: string[],
];

function encodeIncidents(s: ChurnIncidentsState): IncidentsRow {
  return [
    s.incidents.map((i) => [i.kind, instantOut(i.at)]),
    rowsOut(s.complaints, (c, id) => [id, instantOut(c.filedAt), c.remedySought]),
    rowsOut(s.pendingDeliveries, (deliveryId, purchaseId) => [purchaseId, deliveryId]),
    Object.keys(s.rejectedClaims),
  ];
}

function decodeIncidents(row: IncidentsRow, customerId: string): ChurnIncidentsState {
  const [incidents, complaints, pendingDeliveries, rejectedClaims] = row;
  return {
    customerId,
    incidents: incidents.map((i) => ({ kind: i[0], at: instantIn(i[1]) })),
    complaints: recordIn(complaints, (c) => ({ filedAt: instantIn(c[1]), remedySought: c[2] })),
    pendingDeliveries: recordIn(pendingDeliveries, (d) => d[1]),
    rejectedClaims: recordIn(
      rejectedClaims.map((id): [string] => [id]),
      () => true as const,
    ),
  };
}

export const storedChurnIncidents: StoredForm<ChurnIncidentsState> = {
  encode: encodeIncidents,
  decode: (stored, key) => decodeIncidents(stored as IncidentsRow, key),
};
