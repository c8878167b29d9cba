import type { ComplaintCategory, ComplaintSeverity } from '@aftercare/domain';
import type { StoredForm } from './projection';
import type { SatisfactionStateData, ScoreAt } from './satisfaction.projection';
import {
  instantIn,
  instantOut,
  optionalInstantIn,
  optionalInstantOut,
  recordIn,
  rowsOut,
  type StoredInstant as At,
} from './stored-form';

/**
 * Satisfaction as stored: arrays in the state's field order, without the customer id (the key),
 * field names, or the ids that key each complaint, setup and serial. Most customers never gave
 * feedback nor made a promise: their empty counters take a few bytes instead of a few hundred.
 */

type ScoreRow = [score: number, at: At];
type ComplaintRow = [
  complaintId: string,
  purchaseId: string | null,
  category: ComplaintCategory,
  severity: ComplaintSeverity,
  filedAt: At,
  acknowledgedAt: At | null,
  resolvedAt: At | null,
  firstResolvedAt: At | null,
  open: boolean,
  escalations: number,
  reopenings: number,
  lastReopenedAt: At | null,
  lastEscalatedAt: At | null,
];
type SetupRow = [
  purchaseId: string,
  firstVisit: 'succeeded' | 'failed' | null,
  failures: number,
  lastFailedAt: At | null,
  completedAt: At | null,
];
type SerialRow = [
  serialNumber: string,
  purchaseId: string,
  count: number,
  defectCodes: string[],
  lastAt: At,
];
type SatisfactionRow = [
  nps: [
    latest: ScoreRow | null,
    count: number,
    promoters: number,
    passives: number,
    detractors: number,
  ],
  csat: [latest: ScoreRow | null, count: number, sum: number, satisfied: number],
  ces: [latest: ScoreRow | null, count: number, sum: number],
  lastFeedbackAt: At | null,
  complaints: ComplaintRow[],
  deliveries: [completed: number, onTime: number, late: number, lastLateAt: At | null],
  setups: SetupRow[],
  repairsBySerial: SerialRow[],
  returns: [requested: number, completed: number, refunded: number, lastAt: At | null],
  referrals: number,
  customerPromises: [
    made: number,
    kept: number,
    broken: number,
    brokenAt: [promiseId: string, at: At, reason: string][],
  ],
  followUps: [created: number, completed: number, missedAt: [taskId: string, at: At][]],
];

const scoreOut = (s: ScoreAt | null): ScoreRow | null => (s ? [s.score, instantOut(s.at)] : null);
const scoreIn = (s: ScoreRow | null): ScoreAt | null =>
  s ? { score: s[0], at: instantIn(s[1]) } : null;

function encodeSatisfaction(s: SatisfactionStateData): SatisfactionRow {
  const { nps, csat, ces, deliveries: d, returns: r, customerPromises: p, followUps: f } = s;
  return [
    [scoreOut(nps.latest), nps.count, nps.promoters, nps.passives, nps.detractors],
    [scoreOut(csat.latest), csat.count, csat.sum, csat.satisfied],
    [scoreOut(ces.latest), ces.count, ces.sum],
    optionalInstantOut(s.lastFeedbackAt),
    rowsOut(s.complaints, (c, id): ComplaintRow => [
      id,
      c.purchaseId,
      c.category,
      c.severity,
      instantOut(c.filedAt),
      optionalInstantOut(c.acknowledgedAt),
      optionalInstantOut(c.resolvedAt),
      optionalInstantOut(c.firstResolvedAt),
      c.open,
      c.escalations,
      c.reopenings,
      optionalInstantOut(c.lastReopenedAt),
      optionalInstantOut(c.lastEscalatedAt),
    ]),
    [d.completed, d.onTime, d.late, optionalInstantOut(d.lastLateAt)],
    rowsOut(s.setups, (x, id): SetupRow => [
      id,
      x.firstVisit,
      x.failures,
      optionalInstantOut(x.lastFailedAt),
      optionalInstantOut(x.completedAt),
    ]),
    rowsOut(s.repairsBySerial, (x, serial): SerialRow => [
      serial,
      x.purchaseId,
      x.count,
      x.defectCodes,
      instantOut(x.lastAt),
    ]),
    [r.requested, r.completed, r.refunded, optionalInstantOut(r.lastAt)],
    s.referrals,
    [p.made, p.kept, p.broken, p.brokenAt.map((b) => [b.promiseId, instantOut(b.at), b.reason])],
    [f.created, f.completed, f.missedAt.map((m) => [m.taskId, instantOut(m.at)])],
  ];
}

function decodeSatisfaction(row: SatisfactionRow, customerId: string): SatisfactionStateData {
  const [nps, csat, ces, lastFeedbackAt, complaints, d, setups, serials, r, referrals, p, f] = row;
  return {
    customerId,
    nps: {
      latest: scoreIn(nps[0]),
      count: nps[1],
      promoters: nps[2],
      passives: nps[3],
      detractors: nps[4],
    },
    csat: { latest: scoreIn(csat[0]), count: csat[1], sum: csat[2], satisfied: csat[3] },
    ces: { latest: scoreIn(ces[0]), count: ces[1], sum: ces[2] },
    lastFeedbackAt: optionalInstantIn(lastFeedbackAt),
    complaints: recordIn(complaints, (c) => ({
      complaintId: c[0],
      purchaseId: c[1],
      category: c[2],
      severity: c[3],
      filedAt: instantIn(c[4]),
      acknowledgedAt: optionalInstantIn(c[5]),
      resolvedAt: optionalInstantIn(c[6]),
      firstResolvedAt: optionalInstantIn(c[7]),
      open: c[8],
      escalations: c[9],
      reopenings: c[10],
      lastReopenedAt: optionalInstantIn(c[11]),
      lastEscalatedAt: optionalInstantIn(c[12]),
    })),
    deliveries: { completed: d[0], onTime: d[1], late: d[2], lastLateAt: optionalInstantIn(d[3]) },
    setups: recordIn(setups, (x) => ({
      purchaseId: x[0],
      firstVisit: x[1],
      failures: x[2],
      lastFailedAt: optionalInstantIn(x[3]),
      completedAt: optionalInstantIn(x[4]),
    })),
    repairsBySerial: recordIn(serials, (x) => ({
      serialNumber: x[0],
      purchaseId: x[1],
      count: x[2],
      defectCodes: x[3],
      lastAt: instantIn(x[4]),
    })),
    returns: { requested: r[0], completed: r[1], refunded: r[2], lastAt: optionalInstantIn(r[3]) },
    referrals,
    customerPromises: {
      made: p[0],
      kept: p[1],
      broken: p[2],
      brokenAt: p[3].map((b) => ({ promiseId: b[0], at: instantIn(b[1]), reason: b[2] })),
    },
    followUps: {
      created: f[0],
      completed: f[1],
      missedAt: f[2].map((m) => ({ taskId: m[0], at: instantIn(m[1]) })),
    },
  };
}

export const storedSatisfaction: StoredForm<SatisfactionStateData> = {
  encode: encodeSatisfaction,
  decode: (stored, key) => decodeSatisfaction(stored as SatisfactionRow, key),
};
