import type { AftercareEvent, ComplaintCategory, ComplaintSeverity } from '@aftercare/domain';
import {
  assertNever,
  CUSTOMER_STREAM_CATEGORY,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, customerIdOf, latest, ms } from './event-data';
import { copying, idRecord, inPlace, type Ownership, withEntry, withField } from './ownership';
import { storedSatisfaction } from './satisfaction.stored';

/**
 * Satisfaction, keyed by customerId: what the customer told us (NPS, CSAT, CES), how their
 * complaints were handled (in the spirit of ISO 10002: acknowledged promptly, resolved, escalated,
 * reopened), whether promises were kept (delivery on time, setup right first time) and whether a
 * product kept coming back for repair, whether agents kept what they promised and called when a
 * playbook said they would. `satisfactionState(state, now)` turns it into a state with the reasons
 * that put it there.
 */

/** The streams a customer's experience is read from: their own, their promises and follow-ups. */
export const EXPERIENCE_STREAM_CATEGORIES: readonly string[] = [
  CUSTOMER_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
];

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function npsCategory(score: number): NpsCategory {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

export interface ScoreAt {
  score: number;
  at: string;
}

export interface ComplaintRecord {
  complaintId: string;
  purchaseId: string | null;
  category: ComplaintCategory;
  severity: ComplaintSeverity;
  filedAt: string;
  /** First acknowledgement. */
  acknowledgedAt: string | null;
  /** Last resolution; null while open. */
  resolvedAt: string | null;
  /** First resolution, for time to resolve (a reopening does not restart the clock). */
  firstResolvedAt: string | null;
  open: boolean;
  escalations: number;
  reopenings: number;
  lastReopenedAt: string | null;
  lastEscalatedAt: string | null;
}

export interface SetupRecord {
  purchaseId: string;
  /** Outcome of the first visit; null while none happened. */
  firstVisit: 'succeeded' | 'failed' | null;
  failures: number;
  lastFailedAt: string | null;
  completedAt: string | null;
}

export interface SerialRepairs {
  serialNumber: string;
  purchaseId: string;
  count: number;
  defectCodes: string[];
  lastAt: string;
}

/** Promises agents made to the customer (promise streams). */
export interface CustomerPromises {
  made: number;
  kept: number;
  broken: number;
  /** When each broken promise was found broken, with its id and why. */
  brokenAt: { promiseId: string; at: string; reason: string }[];
}

/** Follow-up tasks playbooks planned for the customer (follow-up task streams). */
export interface FollowUps {
  created: number;
  completed: number;
  /** Follow-ups whose due time passed before anyone did them, with when that was noticed. */
  missedAt: { taskId: string; at: string }[];
}

export interface SatisfactionStateData {
  customerId: string;
  nps: {
    latest: ScoreAt | null;
    count: number;
    promoters: number;
    passives: number;
    detractors: number;
  };
  csat: { latest: ScoreAt | null; count: number; sum: number; satisfied: number };
  ces: { latest: ScoreAt | null; count: number; sum: number };
  lastFeedbackAt: string | null;
  complaints: Record<string, ComplaintRecord>;
  deliveries: { completed: number; onTime: number; late: number; lastLateAt: string | null };
  setups: Record<string, SetupRecord>;
  repairsBySerial: Record<string, SerialRepairs>;
  returns: { requested: number; completed: number; refunded: number; lastAt: string | null };
  referrals: number;
  customerPromises: CustomerPromises;
  followUps: FollowUps;
}

export function initialSatisfaction(customerId: string): SatisfactionStateData {
  return {
    customerId,
    nps: { latest: null, count: 0, promoters: 0, passives: 0, detractors: 0 },
    csat: { latest: null, count: 0, sum: 0, satisfied: 0 },
    ces: { latest: null, count: 0, sum: 0 },
    lastFeedbackAt: null,
    complaints: idRecord(),
    deliveries: { completed: 0, onTime: 0, late: 0, lastLateAt: null },
    setups: idRecord(),
    repairsBySerial: idRecord(),
    returns: { requested: 0, completed: 0, refunded: 0, lastAt: null },
    referrals: 0,
    customerPromises: { made: 0, kept: 0, broken: 0, brokenAt: [] },
    followUps: { created: 0, completed: 0, missedAt: [] },
  };
}

/** The later of two dated scores (fold order is not business-time order for late records). */
function laterScore(current: ScoreAt | null, next: ScoreAt): ScoreAt {
  return current === null || ms(next.at) >= ms(current.at) ? next : current;
}

/**
 * Folds one event. Pure for the caller: the state passed in is never changed; only the objects on
 * the path an event touches are copied (the rest is shared with the previous state), so a fold
 * costs what the event changes, not the size of the customer's history.
 */
export function evolveSatisfaction(
  state: SatisfactionStateData,
  recorded: RecordedEvent,
): SatisfactionStateData {
  return foldSatisfaction(copying, state, recorded);
}

/** `evolveSatisfaction` changing `state` in place (for a fold that owns it). */
export function evolveSatisfactionInPlace(
  state: SatisfactionStateData,
  recorded: RecordedEvent,
): SatisfactionStateData {
  return foldSatisfaction(inPlace, state, recorded);
}

function foldSatisfaction(
  how: Ownership,
  state: SatisfactionStateData,
  recorded: RecordedEvent,
): SatisfactionStateData {
  const set = <K extends keyof SatisfactionStateData>(field: K, value: SatisfactionStateData[K]) =>
    withField(how, state, field, value);
  const withComplaint = (c: ComplaintRecord) =>
    set('complaints', withEntry(how, state.complaints, c.complaintId, c));
  const withSetup = (s: SetupRecord) =>
    set('setups', withEntry(how, state.setups, s.purchaseId, s));
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  switch (event.type) {
    case 'FeedbackReceived': {
      const d = event.data;
      const at = d.occurredAt;
      let { nps, csat, ces } = state;
      if (d.nps !== undefined) {
        const category = npsCategory(d.nps);
        nps = {
          latest: laterScore(nps.latest, { score: d.nps, at }),
          count: nps.count + 1,
          promoters: nps.promoters + (category === 'promoter' ? 1 : 0),
          passives: nps.passives + (category === 'passive' ? 1 : 0),
          detractors: nps.detractors + (category === 'detractor' ? 1 : 0),
        };
      }
      if (d.csat !== undefined) {
        csat = {
          latest: laterScore(csat.latest, { score: d.csat, at }),
          count: csat.count + 1,
          sum: csat.sum + d.csat,
          satisfied: csat.satisfied + (d.csat >= 4 ? 1 : 0),
        };
      }
      if (d.ces !== undefined) {
        ces = {
          latest: laterScore(ces.latest, { score: d.ces, at }),
          count: ces.count + 1,
          sum: ces.sum + d.ces,
        };
      }
      const next = how.writable(state);
      next.nps = nps;
      next.csat = csat;
      next.ces = ces;
      next.lastFeedbackAt = latest(state.lastFeedbackAt, at);
      return next;
    }
    case 'ComplaintFiled': {
      const d = event.data;
      return withComplaint({
        complaintId: d.complaintId,
        purchaseId: d.purchaseId ?? null,
        category: d.category,
        severity: d.severity,
        filedAt: d.occurredAt,
        acknowledgedAt: null,
        resolvedAt: null,
        firstResolvedAt: null,
        open: true,
        escalations: 0,
        reopenings: 0,
        lastReopenedAt: null,
        lastEscalatedAt: null,
      });
    }
    case 'ComplaintAcknowledged': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c || c.acknowledgedAt !== null) return state;
      return withComplaint({ ...c, acknowledgedAt: event.data.occurredAt });
    }
    case 'ComplaintEscalated': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      return withComplaint({
        ...c,
        escalations: c.escalations + 1,
        lastEscalatedAt: latest(c.lastEscalatedAt, event.data.occurredAt),
      });
    }
    case 'ComplaintResolved': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      const at = event.data.occurredAt;
      return withComplaint({
        ...c,
        open: false,
        resolvedAt: at,
        firstResolvedAt: c.firstResolvedAt ?? at,
      });
    }
    case 'ComplaintReopened': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      const at = event.data.occurredAt;
      return withComplaint({
        ...c,
        open: true,
        resolvedAt: null,
        reopenings: c.reopenings + 1,
        lastReopenedAt: latest(c.lastReopenedAt, at),
        acknowledgedAt: c.acknowledgedAt ?? at,
      });
    }
    case 'DeliveryCompleted': {
      const d = event.data;
      const deliveries = state.deliveries;
      return set(
        'deliveries',
        d.onTime
          ? { ...deliveries, completed: deliveries.completed + 1, onTime: deliveries.onTime + 1 }
          : {
              ...deliveries,
              completed: deliveries.completed + 1,
              late: deliveries.late + 1,
              lastLateAt: latest(deliveries.lastLateAt, d.occurredAt),
            },
      );
    }
    case 'SetupCompleted': {
      const d = event.data;
      const s = setupOf(state, d.purchaseId);
      return withSetup({
        ...s,
        completedAt: d.occurredAt,
        firstVisit: d.attempt === 1 ? 'succeeded' : s.firstVisit,
      });
    }
    case 'SetupFailed': {
      const d = event.data;
      const s = setupOf(state, d.purchaseId);
      return withSetup({
        ...s,
        failures: s.failures + 1,
        lastFailedAt: latest(s.lastFailedAt, d.occurredAt),
        firstVisit: d.attempt === 1 ? 'failed' : s.firstVisit,
      });
    }
    case 'RepairCompleted': {
      const d = event.data;
      const r = Object.hasOwn(state.repairsBySerial, d.serialNumber)
        ? state.repairsBySerial[d.serialNumber]
        : undefined;
      const next: SerialRepairs = r
        ? {
            ...r,
            count: r.count + 1,
            defectCodes: [...r.defectCodes, d.defectCode],
            lastAt: latest(r.lastAt, d.occurredAt),
          }
        : {
            serialNumber: d.serialNumber,
            purchaseId: d.purchaseId,
            count: 1,
            defectCodes: [d.defectCode],
            lastAt: d.occurredAt,
          };
      return set('repairsBySerial', withEntry(how, state.repairsBySerial, d.serialNumber, next));
    }
    case 'ReturnRequested':
      return set('returns', {
        ...state.returns,
        requested: state.returns.requested + 1,
        lastAt: latest(state.returns.lastAt, event.data.occurredAt),
      });
    case 'ReturnCompleted':
      return set('returns', {
        ...state.returns,
        completed: state.returns.completed + 1,
        refunded: state.returns.refunded + (event.data.outcome === 'refund' ? 1 : 0),
        lastAt: latest(state.returns.lastAt, event.data.occurredAt),
      });
    case 'ReferralMade':
      return set('referrals', state.referrals + 1);
    case 'PromiseMade':
    case 'PromiseKept':
    case 'PromiseBroken':
      return set('customerPromises', evolvePromises(state.customerPromises, event));
    case 'FollowUpTaskCreated':
    case 'FollowUpTaskCompleted':
    case 'FollowUpTaskOverdue':
      return set('followUps', evolveFollowUps(state.followUps, event));
    case 'FollowUpTaskEscalated':
    case 'PlaybookPublished':
    case 'CustomerRegistered':
    case 'PurchaseRecorded':
    case 'DeliveryScheduled':
    case 'MaintenancePlanSubscribed':
    case 'MaintenancePlanCancelled':
    case 'RetentionActionTaken':
    case 'CustomerPiiErased':
    case 'WarrantyClaimFiled':
    case 'WarrantyClaimDecided':
    case 'WarrantyClaimAssessed':
    case 'WarrantyRemedyRefused':
    case 'WarrantyDecisionOverridden':
    case 'WarrantyClaimFulfilled':
    case 'WarrantyPolicyPublished':
      return state;
    default:
      return assertNever(event, 'event');
  }
}

function evolvePromises(
  p: CustomerPromises,
  event: Extract<AftercareEvent, { type: 'PromiseMade' | 'PromiseKept' | 'PromiseBroken' }>,
): CustomerPromises {
  switch (event.type) {
    case 'PromiseMade':
      return { ...p, made: p.made + 1 };
    case 'PromiseKept':
      return { ...p, kept: p.kept + 1 };
    case 'PromiseBroken': {
      const { promiseId, occurredAt, reason } = event.data;
      return {
        ...p,
        broken: p.broken + 1,
        brokenAt: [...p.brokenAt, { promiseId, at: occurredAt, reason }],
      };
    }
    default:
      return assertNever(event, 'promise event');
  }
}

function evolveFollowUps(
  f: FollowUps,
  event: Extract<
    AftercareEvent,
    { type: 'FollowUpTaskCreated' | 'FollowUpTaskCompleted' | 'FollowUpTaskOverdue' }
  >,
): FollowUps {
  switch (event.type) {
    case 'FollowUpTaskCreated':
      return { ...f, created: f.created + 1 };
    case 'FollowUpTaskCompleted':
      return { ...f, completed: f.completed + 1 };
    case 'FollowUpTaskOverdue':
      return {
        ...f,
        missedAt: [...f.missedAt, { taskId: event.data.taskId, at: event.data.occurredAt }],
      };
    default:
      return assertNever(event, 'follow-up event');
  }
}

/** A complaint of the state by id (own keys only: an id like `__proto__` is just an id). */
function ownComplaint(state: SatisfactionStateData, id: string): ComplaintRecord | undefined {
  return Object.hasOwn(state.complaints, id) ? state.complaints[id] : undefined;
}

function setupOf(state: SatisfactionStateData, purchaseId: string): SetupRecord {
  return Object.hasOwn(state.setups, purchaseId)
    ? state.setups[purchaseId]
    : { purchaseId, firstVisit: null, failures: 0, lastFailedAt: null, completedAt: null };
}

export const satisfactionProjection: Projection<SatisfactionStateData> = {
  name: 'satisfaction',
  // v2: promises and missed follow-ups. v3: stored in its compact form (`storedSatisfaction`).
  version: 3,
  filter: { categories: [...EXPERIENCE_STREAM_CATEGORIES] },
  keyOf: customerIdOf,
  customerScope: 'customer',
  initialState: initialSatisfaction,
  evolve: evolveSatisfaction,
  evolveInPlace: evolveSatisfactionInPlace,
  stored: storedSatisfaction,
  columns: {
    latestNps: (s) => s.nps.latest?.score ?? null,
    openComplaints: (s) => Object.values(s.complaints).filter((c) => c.open).length,
    lastFeedbackAt: (s) => s.lastFeedbackAt,
  },
  // Read by key only: no column index.
  indexes: [],
};
