/**
 * The simulated customer's latent experience and the ways it makes them stop: bad incidents
 * lower it and add to a fading grievance whose hazard may end the relationship; retention
 * actions lift it or soothe the grievance; after each purchase the BG/NBD dropout odds move
 * with it. The models never read any of this: it leaks into the history only through behaviour.
 */
import type { CustomerSimulation } from './customer.simulation';
import { DAY } from './simulation.units';
import { WORLD_PARAMETERS as P } from './world.model';

/** The latent experience at time t: fading from its last value back to the baseline. */
export function experienceAt(life: CustomerSimulation, t: number): number {
  const decay = Math.pow(0.5, (t - life.experienceSince) / (P.experienceHalfLifeDays * DAY));
  return life.baseline + (life.experience - life.baseline) * decay;
}

/**
 * Moves the latent experience. With --experience-effect > 0 a bad incident also adds to the
 * customer's grievance, which raises a lasting hazard of stopping (experienceExit), and may
 * (rarely) make them leave on the spot.
 */
export function feel(life: CustomerSimulation, delta: number): void {
  life.experience = experienceAt(life, life.now) + delta;
  life.experienceSince = life.now;
  if (life.experience < life.worstExperience) life.worstExperience = life.experience;
  if (delta >= 0) return;
  life.badIncidents++;
  life.lastBadIncidentAt = life.now;
  life.organic('incident');
  if (!life.alive || life.strength === 0) return;
  const p = 1 - Math.exp(-P.immediateDropoutPerIncident * life.strength * -delta);
  if (life.rng.chance(p)) life.stop('incident');
  else experienceExit(life, -delta);
}

/**
 * The main link from experience to stopping, a lasting hazard: while alive, the customer stops
 * at a rate (per day) of
 *
 *   h(t) = strength * experienceHazardPerYear / 365.25 * g(t),
 *
 * where the grievance g is the sum of the bad incidents' sizes, each fading with the
 * experience half-life: g(t) = g0 * exp(-(t - now) / tau), tau = half-life / ln 2. Good
 * service afterwards lifts the experience (and feedback) but does not erase the grievance: a
 * recovered complaint still raises the odds of leaving (the recovery paradox holds for
 * satisfaction, not for repurchase; de Matos, Henrique & Rossi 2007). The cumulative hazard
 * from now on is c g0 tau (1 - exp(-s / tau)), finite, so a customer may never stop from it;
 * otherwise the exit comes where it reaches an Exp(1) draw. Drawn afresh at every incident
 * (valid: the hazard is memoryless between incidents); an earlier pending exit is dropped.
 */
function experienceExit(life: CustomerSimulation, size: number): void {
  const tau = P.experienceHalfLifeDays / Math.LN2;
  life.grievance = life.grievance * Math.exp(-(life.now - life.grievanceAt) / (tau * DAY)) + size;
  life.grievanceAt = life.now;
  const draw = ++life.hazardDraw;
  life.hazardE = life.rng.exponential(1);
  scheduleExperienceExit(life, draw);
}

function scheduleExperienceExit(life: CustomerSimulation, draw: number): void {
  const tau = P.experienceHalfLifeDays / Math.LN2;
  const total = ((life.strength * P.experienceHazardPerYear) / 365.25) * life.grievance * tau;
  const e = life.hazardE;
  if (e >= total) return;
  life.after(-tau * Math.log(1 - e / total), () => {
    if (life.alive && draw === life.hazardDraw) life.stop('experience');
  });
}

/**
 * An action's turn in how the customer feels. Unlike an incident it draws nothing from the
 * life's generator: a backfire (delta < 0) adds to the grievance through the pending exit's
 * own draw, so acting on a customer changes their life only through its effect.
 */
export function liftExperience(life: CustomerSimulation, delta: number): void {
  if (delta === 0) return;
  life.experience = experienceAt(life, life.now) + delta;
  life.experienceSince = life.now;
  if (life.experience < life.worstExperience) life.worstExperience = life.experience;
  if (delta < 0) regrieve(life, (g) => g - delta);
}

/** Takes `fraction` off the grievance now (see regrieve). */
export function sootheGrievance(life: CustomerSimulation, fraction: number): void {
  if (fraction > 0 && life.grievance > 0) regrieve(life, (g) => g * (1 - Math.min(1, fraction)));
}

/**
 * Changes the grievance now, keeping the pending exit's draw: the hazard already spent since
 * the last incident is subtracted, and the rest (memoryless, Exp(1) again) is spent at the new
 * hazard, so a lower grievance moves the exit later (or away), a higher one sooner.
 */
function regrieve(life: CustomerSimulation, change: (grievance: number) => number): void {
  if (!life.alive || life.strength === 0) return;
  const tau = P.experienceHalfLifeDays / Math.LN2;
  const rate = (life.strength * P.experienceHazardPerYear) / 365.25;
  const elapsedDays = (life.now - life.grievanceAt) / DAY;
  if (life.grievance > 0) {
    const spent = rate * life.grievance * tau * (1 - Math.exp(-elapsedDays / tau));
    life.hazardE = Math.max(0, life.hazardE - spent);
  } else {
    life.hazardE = life.actionRng.exponential(1);
  }
  life.grievance = change(life.grievance * Math.exp(-elapsedDays / tau));
  life.grievanceAt = life.now;
  scheduleExperienceExit(life, ++life.hazardDraw);
}

/** BG/NBD dropout after a purchase, its odds moved by the experience so far. */
export function dropoutAfterPurchase(life: CustomerSimulation): boolean {
  const e = experienceAt(life, life.now);
  const logMultiplier =
    life.strength *
    (P.dropoutPerBadExperience * Math.max(0, -e) - P.retentionPerGoodExperience * Math.max(0, e));
  const p = 1 - Math.pow(1 - life.dropoutP, Math.exp(logMultiplier));
  return life.rng.chance(Math.min(p, 0.97));
}
