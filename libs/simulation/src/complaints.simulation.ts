/**
 * Complaints and feedback of a simulated customer: complaints filed (after incidents or at
 * random), acknowledged, escalated, resolved and reopened, each step moving the latent
 * experience by how well and how fast it went; feedback scores are noisy readings of it.
 */
import type { ComplaintCategory, ComplaintRemedy, ComplaintSeverity } from '@aftercare/domain';
import { COMPLAINT_REMEDIES } from '@aftercare/domain';
import type { CustomerSimulation } from './customer.simulation';
import { experienceAt, feel } from './experience.simulation';
import type { PurchaseSim } from './purchases.simulation';
import {
  BAD_COMMENTS,
  CONTACT_CHANNELS,
  CONTACT_CHANNEL_WEIGHTS,
  ESCALATION_REASONS,
  GOOD_COMMENTS,
  MIXED_COMMENTS,
  REOPEN_REASONS,
  RESOLUTIONS,
  SEVERITIES,
} from './simulation.vocabulary';
import { clamp, DAY, HOUR, iso } from './simulation.units';
import { WORLD_PARAMETERS as P } from './world.model';

type ComplaintSim = {
  complaintId: string;
  severity: ComplaintSeverity;
  remedySought: ComplaintRemedy;
  filedAt: number;
  acknowledgedAt: number;
  resolved: boolean;
  reopenings: number;
  /** Runs once, when the complaint is first resolved. */
  onResolved?: (satisfied: boolean) => void;
};

export function randomComplaint(life: CustomerSimulation): void {
  const rng = life.rng;
  // Fewer contacts once a customer has drifted away.
  if (life.alive || rng.chance(0.4)) {
    complain(life, {
      category: rng.weighted(['billing', 'service', 'other'] as const, [0.5, 0.35, 0.15]),
      severity: rng.weighted(SEVERITIES, [0.45, 0.35, 0.15, 0.05]),
      remedySought: rng.weighted(
        ['explanation', 'partial_refund', 'apology', 'compensation'] as const,
        [0.4, 0.25, 0.2, 0.15],
      ),
    });
  }
  life.after(rng.exponential(365.25 / P.randomComplaintsPerYear), () => randomComplaint(life));
}

export function complain(
  life: CustomerSimulation,
  options: {
    category: ComplaintCategory;
    severity: ComplaintSeverity;
    purchase?: PurchaseSim;
    remedySought?: ComplaintRemedy;
    onResolved?: ComplaintSim['onResolved'];
  },
): void {
  const rng = life.rng;
  const complaint: ComplaintSim = {
    complaintId: life.id(),
    severity: options.severity,
    remedySought:
      options.remedySought ?? rng.pick(['repair', 'replacement', 'refund', 'apology'] as const),
    filedAt: life.now,
    acknowledgedAt: 0,
    resolved: false,
    reopenings: 0,
    onResolved: options.onResolved,
  };
  const ok = life.customerCommand({
    type: 'FileComplaint',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      complaintId: complaint.complaintId,
      ...(options.purchase ? { purchaseId: options.purchase.purchaseId } : {}),
      category: options.category,
      severity: options.severity,
      channel: rng.weighted(CONTACT_CHANNELS, CONTACT_CHANNEL_WEIGHTS),
      remedySought: complaint.remedySought,
    },
  });
  if (!ok) return;
  life.openComplaints++;
  life.organic(
    options.category === 'product_defect' || options.category === 'installation'
      ? 'product_complaint'
      : 'complaint',
  );
  feel(life, -0.15);
  // Handling quality varies complaint by complaint: most are answered within hours, a long tail
  // waits for days. Critical ones are picked up faster.
  const urgency = options.severity === 'critical' ? 0.4 : options.severity === 'high' ? 0.7 : 1;
  const ackHours = rng.logNormal(9 * urgency, 1.1);
  life.at(life.now + ackHours * HOUR, () => acknowledge(life, complaint));
}

function acknowledge(life: CustomerSimulation, c: ComplaintSim): void {
  const rng = life.rng;
  const ok = life.customerCommand(
    {
      type: 'AcknowledgeComplaint',
      data: {
        customerId: life.customerId,
        occurredAt: iso(life.now),
        complaintId: c.complaintId,
        agentId: `agent-${rng.int(1, 40)}`,
      },
    },
    'agent:service',
  );
  if (!ok) return;
  c.acknowledgedAt = life.now;
  const waitedHours = (life.now - c.filedAt) / HOUR;
  if (waitedHours < 24) feel(life, 0.05);
  else if (waitedHours > 72) feel(life, -0.35);
  workOn(life, c, waitedHours > 72);
}

/** Escalations (if any) come first, then the resolution. */
function workOn(life: CustomerSimulation, c: ComplaintSim, slowSoFar: boolean): void {
  const rng = life.rng;
  const escalationChance =
    0.07 +
    (slowSoFar ? 0.2 : 0) +
    (c.severity === 'high' || c.severity === 'critical' ? 0.12 : 0) +
    (c.reopenings > 0 ? 0.15 : 0);
  let t = life.now;
  let escalations = 0;
  while (escalations < 3 && rng.chance(escalations === 0 ? escalationChance : 0.2)) {
    escalations++;
    t += rng.uniform(0.3, 5) * DAY;
    const reason = rng.pick(ESCALATION_REASONS);
    life.at(t, () => escalate(life, c, reason));
  }
  const resolveDays = rng.logNormal(3 * (1 + escalations), 0.9);
  life.at(t + resolveDays * DAY, () => resolve(life, c));
}

function escalate(life: CustomerSimulation, c: ComplaintSim, reason: string): void {
  if (c.resolved) return;
  const ok = life.customerCommand(
    {
      type: 'EscalateComplaint',
      data: {
        customerId: life.customerId,
        occurredAt: iso(life.now),
        complaintId: c.complaintId,
        reason,
      },
    },
    'agent:service',
  );
  if (ok) feel(life, -0.3);
}

function resolve(life: CustomerSimulation, c: ComplaintSim): void {
  if (c.resolved) return;
  const rng = life.rng;
  const matched = rng.chance(0.65);
  const remedyGiven: ComplaintRemedy = matched ? c.remedySought : rng.pick(COMPLAINT_REMEDIES);
  const ok = life.customerCommand(
    {
      type: 'ResolveComplaint',
      data: {
        customerId: life.customerId,
        occurredAt: iso(life.now),
        complaintId: c.complaintId,
        resolution: rng.pick(RESOLUTIONS),
        remedyGiven,
      },
    },
    'agent:service',
  );
  if (!ok) return;
  c.resolved = true;
  life.openComplaints--;
  const days = (life.now - c.filedAt) / DAY;
  const speed = days < 3 ? 0.3 : days < 7 ? 0.1 : days < 14 ? -0.1 : days < 30 ? -0.4 : -0.7;
  const remedyFit = remedyGiven === c.remedySought ? 0.15 : -0.2;
  feel(life, speed + remedyFit);
  const satisfied = speed + remedyFit > 0;
  if (c.onResolved) {
    const callback = c.onResolved;
    c.onResolved = undefined;
    callback(satisfied);
  }
  if (c.reopenings < 2 && rng.chance(satisfied ? 0.06 : 0.2)) {
    life.after(rng.uniform(1, 20), () => reopen(life, c));
  } else if (rng.chance(0.4)) {
    life.after(rng.uniform(0.5, 5), () => feedback(life, { complaintId: c.complaintId }));
  }
}

function reopen(life: CustomerSimulation, c: ComplaintSim): void {
  const ok = life.customerCommand({
    type: 'ReopenComplaint',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      complaintId: c.complaintId,
      reason: life.rng.pick(REOPEN_REASONS),
    },
  });
  if (!ok) return;
  c.resolved = false;
  life.openComplaints++;
  c.reopenings++;
  feel(life, -0.5);
  workOn(life, c, true);
}

/** Scores are noisy readings of the latent experience through the customer's own harshness. */
export function feedback(
  life: CustomerSimulation,
  about: { purchaseId?: string; complaintId?: string },
): void {
  const rng = life.rng;
  const felt = experienceAt(life, life.now) + life.harshness + rng.normal(0, 0.9);
  let nps = rng.chance(0.85) ? clamp(Math.round(7 + 1.9 * felt), 0, 10) : undefined;
  const csat = rng.chance(0.7)
    ? clamp(Math.round(3.7 + 0.9 * felt + rng.normal(0, 0.4)), 1, 5)
    : undefined;
  const ces = rng.chance(0.45) ? clamp(Math.round(3 - felt + rng.normal(0, 0.8)), 1, 7) : undefined;
  if (nps === undefined && csat === undefined && ces === undefined)
    nps = clamp(Math.round(7 + 1.9 * felt), 0, 10);
  const comment = rng.chance(0.2)
    ? rng.pick(felt > 0.8 ? GOOD_COMMENTS : felt > -0.5 ? MIXED_COMMENTS : BAD_COMMENTS)
    : undefined;
  life.customerCommand({
    type: 'RecordFeedback',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      feedbackId: life.id(),
      ...(nps !== undefined ? { nps } : {}),
      ...(csat !== undefined ? { csat } : {}),
      ...(ces !== undefined ? { ces } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(about.purchaseId !== undefined ? { purchaseId: about.purchaseId } : {}),
      ...(about.complaintId !== undefined ? { complaintId: about.complaintId } : {}),
      channel: rng.pick(['email', 'web', 'phone'] as const),
    },
  });
  if (nps !== undefined && nps >= 9) life.organic('promoter');
}
