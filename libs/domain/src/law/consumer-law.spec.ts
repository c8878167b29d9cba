import { addDays, addMonths } from '../time';
import { given as givenFor } from '../testing/given-when-then';
import type {
  AssessWarrantyClaim,
  FileWarrantyClaim,
  RefuseWarrantyRemedy,
  WarrantyClaimCommand,
} from '../warranty-claim.decider';
import { warrantyClaimDecider } from '../warranty-claim.decider';
import { RULE_IDS_V2 } from '../warranty-claim.events';
import type {
  PriorClaim,
  RuleId,
  WarrantyClaimDecided,
  WarrantyClaimEvent,
} from '../warranty-claim.events';
import { ENGINE_VERSION } from '../warranty-engine';
import { recomputeDecision } from '../warranty-engine.recompute';
import type { WarrantyPolicyTerms } from '../warranty-policy.events';
import { CONSUMER_LAW, resolveConsumerLaw } from './consumer-law';

/**
 * The legal path, country by country and remedy by remedy. Given the claim's history, when a
 * claim is filed, assessed or a remedy refused, then the decision the cited provision requires.
 * The commercial policy here gives no cover at all (0 months), so what is approved is approved by
 * law alone; the last cases show the commercial policy adding to it.
 */

const DELIVERED = '2024-01-05T10:00:00.000Z';
const m = (months: number, days = 0): string => addDays(addMonths(DELIVERED, months), days);

const NO_COMMERCIAL: WarrantyPolicyTerms = {
  coverageMonths: { default: 0, byCategory: {} },
  exclusions: ['accidental_damage', 'misuse', 'unauthorised_repair', 'wear'],
  requireProofOfPurchase: true,
  repeatClaimThreshold: 2,
  remedyRules: [],
  defaultRemedy: 'repair',
  maxCoveredAmountRatio: 0.5,
};

type ClaimSetup = {
  country?: string | null;
  region?: string;
  jurisdiction?: string;
  noticedAt: string;
  filedAt?: string;
  remedyRequested?: FileWarrantyClaim['data']['remedyRequested'];
  claimedAmount?: number;
  proofOfPurchase?: boolean;
  suspectedCause?: FileWarrantyClaim['data']['suspectedCause'];
  category?: string;
  serialNumber?: string | null;
  priorClaims?: PriorClaim[];
  terms?: Partial<WarrantyPolicyTerms>;
};

function file(s: ClaimSetup): FileWarrantyClaim {
  const serial = s.serialNumber === undefined ? 'SN-1' : s.serialNumber;
  return {
    type: 'FileWarrantyClaim',
    data: {
      claimId: 'w-1',
      customerId: 'cust-1',
      occurredAt: s.filedAt ?? s.noticedAt,
      noticedAt: s.noticedAt,
      purchaseId: 'p-1',
      defect: { code: 'PUMP-01', description: 'Drum does not drain' },
      symptom: 'Water stays in the drum after a wash',
      ...(s.suspectedCause !== undefined ? { suspectedCause: s.suspectedCause } : {}),
      evidence: { proofOfPurchase: s.proofOfPurchase ?? true },
      ...(s.claimedAmount !== undefined ? { claimedAmount: s.claimedAmount } : {}),
      ...(s.remedyRequested !== undefined ? { remedyRequested: s.remedyRequested } : {}),
      purchase: {
        purchaseId: 'p-1',
        customerId: 'cust-1',
        sku: 'WM-200',
        productCategory: s.category ?? 'washing_machine',
        ...(serial !== null ? { serialNumber: serial } : {}),
        price: 500,
        currency: 'EUR',
        purchasedAt: '2024-01-01T10:00:00.000Z',
        deliveredAt: DELIVERED,
        warrantyPolicyId: 'std',
      },
      priorClaims: s.priorClaims ?? [],
      policyVersions: [
        {
          policyId: 'std',
          version: 1,
          effectiveFrom: '2023-01-01T00:00:00.000Z',
          terms: { ...NO_COMMERCIAL, ...s.terms },
        },
      ],
      jurisdiction: s.jurisdiction ?? 'EU',
      countryCode: s.country === undefined ? 'AT' : s.country,
      ...(s.region !== undefined ? { region: s.region } : {}),
      decidedBy: { kind: 'system' },
    },
  };
}

const assess = (
  cause: AssessWarrantyClaim['data']['cause'],
  at: string,
  serious?: boolean,
): AssessWarrantyClaim => ({
  type: 'AssessWarrantyClaim',
  data: {
    claimId: 'w-1',
    occurredAt: at,
    cause,
    assessedBy: 'tech-4',
    method: 'workshop_test',
    notes: 'Bench test',
    ...(serious !== undefined ? { serious } : {}),
  },
});

const refuse = (
  remedy: RefuseWarrantyRemedy['data']['remedy'],
  at: string,
  ground: RefuseWarrantyRemedy['data']['ground'] = 'disproportionate',
): RefuseWarrantyRemedy => ({
  type: 'RefuseWarrantyRemedy',
  data: {
    claimId: 'w-1',
    occurredAt: at,
    remedy,
    ground,
    reason: remedy === 'repair' ? 'Pump no longer made' : 'Model discontinued',
    refusedBy: 'seller-1',
    ...(ground === 'disproportionate' ? { costOfRefusedRemedy: 420, costOfAlternative: 90 } : {}),
  },
});

/** An earlier approved repair of the same defect on the same purchase. */
const repairedBefore: PriorClaim = {
  claimId: 'w-0',
  filedAt: m(1),
  outcome: 'approved',
  defectCode: 'PUMP-01',
  purchaseId: 'p-1',
  remedy: 'repair',
};

type Expected = {
  outcome: WarrantyClaimDecided['data']['outcome'];
  remedy?: WarrantyClaimDecided['data']['remedy'];
  coveredAmount?: number;
  /** A rule whose statute must name this provision. */
  cites?: { rule: RuleId; statute: string };
};

type Case = {
  cite: string;
  scenario: string;
  given: WarrantyClaimCommand[];
  when: WarrantyClaimCommand;
  then: Expected;
};

/** Runs the given commands through the decider to get the history. */
function history(commands: WarrantyClaimCommand[]): WarrantyClaimEvent[] {
  const events: WarrantyClaimEvent[] = [];
  for (const c of commands) {
    const state = events.reduce(warrantyClaimDecider.evolve, warrantyClaimDecider.initialState());
    events.push(...warrantyClaimDecider.decide(c, state));
  }
  return events;
}

const lastDecision = (events: WarrantyClaimEvent[]): WarrantyClaimDecided['data'] => {
  const decided = events.filter(
    (e): e is WarrantyClaimDecided => e.type === 'WarrantyClaimDecided',
  );
  const last = decided.at(-1);
  if (!last) throw new Error('no decision');
  return last.data;
};

const CASES: Case[] = [
  // EU default (an EU member without a row of its own: Austria)
  {
    cite: 'Directive 2019/771 art. 11(1)',
    scenario: 'AT: a defect apparent at month 11 is presumed present at delivery: repair',
    given: [],
    when: file({ noticedAt: m(11) }),
    then: {
      outcome: 'approved',
      remedy: 'repair',
      coveredAmount: 500,
      cites: { rule: 'legal_cause', statute: 'art. 11(1)' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 11(1)',
    scenario: "AT: at month 18 with the claimant's 'manufacturing' it waits for an assessment",
    given: [],
    when: file({ noticedAt: m(18), suspectedCause: 'manufacturing', claimedAmount: 450 }),
    then: { outcome: 'needs_assessment', remedy: null, coveredAmount: 0 },
  },
  {
    cite: 'Directive 2019/771 art. 10(1)',
    scenario: 'AT: at month 18 an assessment finding a lack of conformity at delivery approves',
    given: [file({ noticedAt: m(18) })],
    when: assess('manufacturing', m(18, 10)),
    then: {
      outcome: 'approved',
      remedy: 'repair',
      cites: { rule: 'legal_cause', statute: 'art. 10(1)' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 10(1)',
    scenario: 'AT: at month 18 an assessment finding wear rejects',
    given: [file({ noticedAt: m(18) })],
    when: assess('wear', m(18, 10)),
    then: { outcome: 'rejected' },
  },
  {
    cite: 'Directive 2019/771 art. 10(1)',
    scenario: 'AT: apparent at month 25, after the two-year liability period: rejected',
    given: [],
    when: file({ noticedAt: m(25) }),
    then: { outcome: 'rejected', cites: { rule: 'legal_guarantee_period', statute: 'art. 10(1)' } },
  },
  {
    cite: 'Directive 2019/771 art. 11(1)',
    scenario: 'AT: within the presumption an assessment establishing accidental damage rejects',
    given: [file({ noticedAt: m(6) })],
    when: assess('accidental_damage', m(6, 5)),
    then: { outcome: 'rejected' },
  },
  {
    cite: 'Directive 2019/771 art. 11(1)',
    scenario:
      'AT: within the presumption an inconclusive assessment leaves the presumption standing',
    given: [file({ noticedAt: m(6) })],
    when: assess('undetermined', m(6, 5)),
    then: { outcome: 'approved', remedy: 'repair' },
  },
  {
    cite: 'Directive 2019/771 art. 21(1)',
    scenario: 'AT: no proof shown though the policy asks for it: the recorded purchase is proof',
    given: [],
    when: file({ noticedAt: m(2), proofOfPurchase: false }),
    then: {
      outcome: 'approved',
      cites: { rule: 'legal_proof_of_purchase', statute: 'art. 21(1)' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 13(2)',
    scenario: 'AT: the consumer chooses replacement and gets it',
    given: [],
    when: file({ noticedAt: m(3), remedyRequested: 'replace' }),
    then: {
      outcome: 'approved',
      remedy: 'replace',
      cites: { rule: 'legal_remedy', statute: 'art. 13(2)' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 10(1)',
    scenario: 'no country recorded: the EU jurisdiction falls back to the directive default',
    given: [],
    when: file({ country: null, jurisdiction: 'EU', noticedAt: m(11) }),
    then: { outcome: 'approved', cites: { rule: 'legal_law_applicable', statute: 'art. 10(1)' } },
  },
  // Germany
  {
    cite: 'BGB § 477(1)',
    scenario: 'DE: apparent at month 13, after the one-year presumption: assessment needed',
    given: [],
    when: file({ country: 'DE', noticedAt: m(13) }),
    then: {
      outcome: 'needs_assessment',
      cites: { rule: 'legal_presumption', statute: '§ 477(1)' },
    },
  },
  {
    cite: 'BGB § 475e(3)',
    scenario:
      'DE: noticed at month 23, filed at month 26: not time-barred within four months of appearing',
    given: [file({ country: 'DE', noticedAt: m(23), filedAt: m(26) })],
    when: assess('manufacturing', m(26, 3)),
    then: { outcome: 'approved', cites: { rule: 'legal_limitation', statute: '§ 475e(3)' } },
  },
  {
    cite: 'BGB § 438(1) Nr. 3',
    scenario: 'DE: noticed at month 10, filed at month 25: time-barred',
    given: [],
    when: file({ country: 'DE', noticedAt: m(10), filedAt: m(25) }),
    then: { outcome: 'rejected', cites: { rule: 'legal_limitation', statute: '§ 438(1) Nr. 3' } },
  },
  // France
  {
    cite: 'Code de la consommation art. L217-7',
    scenario: 'FR: apparent at month 20, within the 24-month presumption: covered',
    given: [],
    when: file({ country: 'FR', noticedAt: m(20) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: 'L217-7' } },
  },
  {
    cite: 'Code de la consommation art. L217-3',
    scenario: 'FR: apparent at month 25: outside the legal guarantee',
    given: [],
    when: file({ country: 'FR', noticedAt: m(25) }),
    then: { outcome: 'rejected', cites: { rule: 'legal_guarantee_period', statute: 'L217-3' } },
  },
  // Spain
  {
    cite: 'TRLGDCU art. 121',
    scenario: 'ES: apparent at month 20, within the two-year presumption: covered',
    given: [],
    when: file({ country: 'ES', noticedAt: m(20) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: 'art. 121' } },
  },
  {
    cite: 'TRLGDCU art. 120',
    scenario: 'ES: apparent at month 30, within three years: assessment needed',
    given: [],
    when: file({ country: 'ES', noticedAt: m(30) }),
    then: {
      outcome: 'needs_assessment',
      cites: { rule: 'legal_guarantee_period', statute: 'art. 120' },
    },
  },
  {
    cite: 'TRLGDCU art. 120',
    scenario: 'ES: month 30 with an assessment finding a lack of conformity: approved',
    given: [file({ country: 'ES', noticedAt: m(30) })],
    when: assess('manufacturing', m(30, 7)),
    then: { outcome: 'approved', remedy: 'repair' },
  },
  // Italy
  {
    cite: 'Codice del consumo art. 133(2)',
    scenario: 'IT: notified three months after discovery: the legal remedies are lost',
    given: [],
    when: file({ country: 'IT', noticedAt: m(6), filedAt: m(9) }),
    then: { outcome: 'rejected', cites: { rule: 'legal_notification', statute: 'art. 133(2)' } },
  },
  {
    cite: 'Codice del consumo art. 135(1)',
    scenario: 'IT: notified within two months, inside the one-year presumption: covered',
    given: [],
    when: file({ country: 'IT', noticedAt: m(6), filedAt: m(7) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: 'art. 135(1)' } },
  },
  {
    cite: 'Codice del consumo art. 133(1)',
    scenario: 'IT: apparent at month 25: outside the two-year liability',
    given: [],
    when: file({ country: 'IT', noticedAt: m(25) }),
    then: {
      outcome: 'rejected',
      cites: { rule: 'legal_guarantee_period', statute: 'art. 133(1)' },
    },
  },
  // Netherlands
  {
    cite: 'BW art. 7:17',
    scenario:
      'NL: a washing machine failing at month 60 is within its expected lifespan: assessment',
    given: [],
    when: file({ country: 'NL', noticedAt: m(60) }),
    then: {
      outcome: 'needs_assessment',
      cites: { rule: 'legal_guarantee_period', statute: '7:17' },
    },
  },
  {
    cite: 'BW art. 7:17',
    scenario: 'NL: month 60 with an assessment finding a lack of conformity: approved',
    given: [file({ country: 'NL', noticedAt: m(60) })],
    when: assess('manufacturing', m(60, 5)),
    then: { outcome: 'approved' },
  },
  {
    cite: 'BW art. 7:23(1)',
    scenario:
      'NL: notified four months after discovery: a person judges whether that was reasonable',
    given: [],
    when: file({ country: 'NL', noticedAt: m(6), filedAt: m(10) }),
    then: { outcome: 'needs_review', cites: { rule: 'legal_notification', statute: '7:23(1)' } },
  },
  {
    cite: 'BW art. 7:17',
    scenario: 'NL: an accessory failing at month 30, past its expected lifespan: rejected',
    given: [],
    when: file({ country: 'NL', noticedAt: m(30), category: 'accessories' }),
    then: { outcome: 'rejected' },
  },
  // Finland
  {
    cite: 'Kuluttajansuojalaki ch. 5 s. 12',
    scenario:
      'FI: a washing machine failing at month 60 is within its expected lifespan: assessment',
    given: [],
    when: file({ country: 'FI', noticedAt: m(60) }),
    then: {
      outcome: 'needs_assessment',
      cites: { rule: 'legal_guarantee_period', statute: 'ch. 5 s. 12' },
    },
  },
  // Sweden
  {
    cite: 'Konsumentköplag (2022:260) ch. 4',
    scenario: 'SE: apparent at month 20, within the two-year presumption: covered',
    given: [],
    when: file({ country: 'SE', noticedAt: m(20) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: '2022:260' } },
  },
  {
    cite: 'Konsumentköplag (2022:260) ch. 4',
    scenario: 'SE: apparent at month 37, after three years: rejected',
    given: [],
    when: file({ country: 'SE', noticedAt: m(37) }),
    then: { outcome: 'rejected' },
  },
  // Ireland
  {
    cite: 'Consumer Rights Act 2022 (IE), short-term right to terminate',
    scenario: 'IE: a refund asked for 20 days after delivery: refunded in full',
    given: [],
    when: file({ country: 'IE', noticedAt: m(0, 20), remedyRequested: 'refund' }),
    then: { outcome: 'approved', remedy: 'refund', coveredAmount: 500 },
  },
  {
    cite: 'Statute of Limitations 1957 s. 11(1)(a)',
    scenario: 'IE: month 40 with an assessment finding a lack of conformity: within six years',
    given: [file({ country: 'IE', noticedAt: m(40) })],
    when: assess('manufacturing', m(40, 5)),
    then: { outcome: 'approved', cites: { rule: 'legal_limitation', statute: 's. 11(1)(a)' } },
  },
  // Poland
  {
    cite: 'Ustawa o prawach konsumenta art. 43c(2)',
    scenario: 'PL: apparent at month 20, within the two-year presumption: covered',
    given: [],
    when: file({ country: 'PL', noticedAt: m(20) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: 'art. 43c(2)' } },
  },
  // Portugal
  {
    cite: 'Decreto-Lei 84/2021 art. 13(1)',
    scenario: 'PT: apparent at month 20, within the two-year presumption: covered',
    given: [],
    when: file({ country: 'PT', noticedAt: m(20) }),
    then: { outcome: 'approved', cites: { rule: 'legal_cause', statute: 'art. 13(1)' } },
  },
  {
    cite: 'Decreto-Lei 84/2021 art. 12(1)',
    scenario: 'PT: apparent at month 30, within three years: assessment needed',
    given: [],
    when: file({ country: 'PT', noticedAt: m(30) }),
    then: {
      outcome: 'needs_assessment',
      cites: { rule: 'legal_guarantee_period', statute: 'art. 12(1)' },
    },
  },
  // United Kingdom
  {
    cite: 'Consumer Rights Act 2015 s. 22',
    scenario: 'GB: 10 days after delivery, no proof shown, a refund asked for: refunded in full',
    given: [],
    when: file({
      country: 'GB',
      noticedAt: m(0, 10),
      remedyRequested: 'refund',
      proofOfPurchase: false,
    }),
    then: {
      outcome: 'approved',
      remedy: 'refund',
      coveredAmount: 500,
      cites: { rule: 'legal_remedy', statute: 'ss. 20-22' },
    },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 19(14)',
    scenario: 'GB: apparent at month 5, within six months: presumed, repaired',
    given: [],
    when: file({ country: 'GB', noticedAt: m(5) }),
    then: {
      outcome: 'approved',
      remedy: 'repair',
      cites: { rule: 'legal_cause', statute: 's. 19(14)' },
    },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 19(15)',
    scenario: 'GB: apparent at month 7, after six months: assessment needed',
    given: [],
    when: file({ country: 'GB', noticedAt: m(7) }),
    then: { outcome: 'needs_assessment' },
  },
  {
    cite: 'Limitation Act 1980 s. 5',
    scenario:
      'GB-ENG: a washing machine at month 70 with a lack of conformity found: within six years',
    given: [file({ country: 'GB', region: 'GB-ENG', noticedAt: m(70) })],
    when: assess('manufacturing', m(70, 5)),
    then: {
      outcome: 'approved',
      cites: { rule: 'legal_limitation', statute: 'Limitation Act 1980' },
    },
  },
  {
    cite: 'Prescription and Limitation (Scotland) Act 1973 s. 6',
    scenario: 'GB-SCT: the same at month 62: beyond five years',
    given: [file({ country: 'GB', region: 'GB-SCT', noticedAt: m(62) })],
    when: assess('manufacturing', m(62, 5)),
    then: { outcome: 'rejected' },
  },
  {
    cite: 'Limitation (Northern Ireland) Order 1989 art. 6',
    scenario: 'GB-NIR: the same at month 62: within six years',
    given: [file({ country: 'GB', region: 'GB-NIR', noticedAt: m(62) })],
    when: assess('manufacturing', m(62, 5)),
    then: { outcome: 'approved', cites: { rule: 'legal_limitation', statute: '1989, art. 6' } },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 24(5)(a), s. 24(10)',
    scenario:
      'GB: the same defect after a repair, a refund asked for at month 8: final right to reject with a deduction for use',
    given: [],
    when: file({
      country: 'GB',
      noticedAt: m(5),
      filedAt: m(8),
      remedyRequested: 'refund',
      priorClaims: [repairedBefore],
    }),
    then: {
      outcome: 'approved',
      remedy: 'refund',
      coveredAmount: 458.25,
      cites: { rule: 'legal_remedy', statute: 's. 24(5)(a)' },
    },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 24(10)',
    scenario:
      'GB: the same defect after a repair, rejected at month 4: no deduction within six months',
    given: [],
    when: file({
      country: 'GB',
      noticedAt: m(4),
      remedyRequested: 'refund',
      priorClaims: [repairedBefore],
    }),
    then: { outcome: 'approved', remedy: 'refund', coveredAmount: 500 },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 24(1)',
    scenario: 'GB: the same defect after a repair, a price reduction of 120 asked for',
    given: [],
    when: file({
      country: 'GB',
      noticedAt: m(4),
      remedyRequested: 'price_reduction',
      claimedAmount: 120,
      priorClaims: [repairedBefore],
    }),
    then: { outcome: 'approved', remedy: 'price_reduction', coveredAmount: 120 },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 23',
    scenario: 'GB: a refund asked for at month 2 with no failed repair: repair first',
    given: [],
    when: file({ country: 'GB', noticedAt: m(2), remedyRequested: 'refund' }),
    then: {
      outcome: 'approved',
      remedy: 'repair',
      cites: { rule: 'legal_remedy', statute: 'ss. 23-24(5)' },
    },
  },
  {
    cite: 'Consumer Rights Act 2015 s. 23(3)-(4)',
    scenario: 'GB: replacement refused as impossible: repair',
    given: [file({ country: 'GB', noticedAt: m(2), remedyRequested: 'replace' })],
    when: refuse('replace', m(2, 3), 'impossible'),
    then: {
      outcome: 'approved',
      remedy: 'repair',
      cites: { rule: 'legal_remedy', statute: 's. 23(3)-(4)' },
    },
  },
  // Remedies in their legal order (EU default)
  {
    cite: 'Directive 2019/771 art. 13(2)',
    scenario: 'AT: repair refused as impossible: replacement',
    given: [file({ noticedAt: m(3) })],
    when: refuse('repair', m(3, 5), 'impossible'),
    then: {
      outcome: 'approved',
      remedy: 'replace',
      cites: { rule: 'legal_remedy', statute: 'art. 13(2)' },
    },
  },
  {
    cite: 'Directive 2019/771 arts. 13(4)(a), 15',
    scenario: 'AT: both refused as disproportionate: a price reduction at the lower cost figure',
    given: [file({ noticedAt: m(3) }), refuse('repair', m(3, 5))],
    when: refuse('replace', m(3, 6)),
    then: {
      outcome: 'approved',
      remedy: 'price_reduction',
      coveredAmount: 90,
      cites: { rule: 'legal_remedy', statute: 'art. 13(4)(a)' },
    },
  },
  {
    cite: 'Directive 2019/771 arts. 13(4)(a), 16',
    scenario: 'AT: both refused and a refund asked for: termination, the price refunded',
    given: [file({ noticedAt: m(3), remedyRequested: 'refund' }), refuse('repair', m(3, 5))],
    when: refuse('replace', m(3, 6)),
    then: {
      outcome: 'approved',
      remedy: 'refund',
      coveredAmount: 500,
      cites: { rule: 'legal_remedy', statute: 'art. 16' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 13(4)(c)',
    scenario: 'AT: a serious lack of conformity and a refund asked for: refund at once',
    given: [file({ noticedAt: m(3), remedyRequested: 'refund' })],
    when: assess('manufacturing', m(3, 2), true),
    then: { outcome: 'approved', remedy: 'refund', coveredAmount: 500 },
  },
  {
    cite: 'Directive 2019/771 art. 13(4)(b)',
    scenario: 'AT: the same defect after a repair, a refund asked for: termination',
    given: [],
    when: file({ noticedAt: m(5), remedyRequested: 'refund', priorClaims: [repairedBefore] }),
    then: {
      outcome: 'approved',
      remedy: 'refund',
      cites: { rule: 'legal_remedy', statute: 'art. 13(4)(b)' },
    },
  },
  {
    cite: 'Directive 2019/771 art. 15',
    scenario:
      'AT: the same defect after a repair, a price reduction without a figure: review to agree it',
    given: [],
    when: file({
      noticedAt: m(5),
      remedyRequested: 'price_reduction',
      priorClaims: [repairedBefore],
    }),
    then: { outcome: 'needs_review', remedy: null },
  },
  {
    cite: 'Directive 2019/771 art. 13(5)',
    scenario:
      'AT: after a failed repair a minor lack of conformity allows a price reduction, not termination',
    given: [
      file({
        noticedAt: m(5),
        remedyRequested: 'refund',
        claimedAmount: 60,
        priorClaims: [repairedBefore],
      }),
    ],
    when: assess('manufacturing', m(5, 2), false),
    then: { outcome: 'approved', remedy: 'price_reduction', coveredAmount: 60 },
  },
  {
    cite: 'BGB §§ 439-441 (Directive 2019/771 art. 13(2))',
    scenario: 'DE: the remedy statute cites the national provisions',
    given: [],
    when: file({ country: 'DE', noticedAt: m(3), remedyRequested: 'replace' }),
    then: {
      outcome: 'approved',
      remedy: 'replace',
      cites: { rule: 'legal_remedy', statute: 'BGB §§ 439-441' },
    },
  },
  // United States
  {
    cite: '15 U.S.C. § 2308',
    scenario:
      'US: within a 12-month written warranty, no proof shown, a defect found on assessment: the implied warranty covers',
    given: [
      file({
        country: 'US',
        jurisdiction: 'US',
        noticedAt: m(6),
        proofOfPurchase: false,
        terms: { coverageMonths: { default: 12, byCategory: {} } },
      }),
    ],
    when: assess('manufacturing', m(6, 4)),
    then: { outcome: 'approved', cites: { rule: 'legal_guarantee_period', statute: '§ 2308' } },
  },
  {
    cite: '15 U.S.C. § 2308',
    scenario: 'US: the same without an assessment: no presumption, assessment needed',
    given: [],
    when: file({
      country: 'US',
      jurisdiction: 'US',
      noticedAt: m(6),
      proofOfPurchase: false,
      terms: { coverageMonths: { default: 12, byCategory: {} } },
    }),
    then: { outcome: 'needs_assessment' },
  },
  {
    cite: '15 U.S.C. § 2308(a)',
    scenario: 'US: no written warranty at all: nothing to cover',
    given: [],
    when: file({ country: 'US', jurisdiction: 'US', noticedAt: m(2) }),
    then: { outcome: 'rejected' },
  },
  {
    cite: 'Directive 2019/771 art. 13(2) (the commercial policy adds)',
    scenario: 'AT: the consumer names no remedy and the policy promises replacement: replacement',
    given: [],
    when: file({
      noticedAt: m(3),
      terms: { coverageMonths: { default: 12, byCategory: {} }, defaultRemedy: 'replace' },
    }),
    then: { outcome: 'approved', remedy: 'replace', coveredAmount: 500 },
  },
  {
    cite: 'Directive 2019/771 art. 13(2)',
    scenario: "AT: the consumer's own choice of repair stands over the policy's replacement",
    given: [],
    when: file({
      noticedAt: m(3),
      remedyRequested: 'repair',
      terms: { coverageMonths: { default: 12, byCategory: {} }, defaultRemedy: 'replace' },
    }),
    then: { outcome: 'approved', remedy: 'repair' },
  },
  // Proof, serials, and the commercial path adding cover
  {
    cite: 'Directive 2019/771 art. 10(1)',
    scenario: 'a purchase without a serial number is claimed by purchase id',
    given: [],
    when: file({ noticedAt: m(4), serialNumber: null }),
    then: { outcome: 'approved', remedy: 'repair' },
  },
  {
    cite: 'Directive 2019/771 art. 10(1) (the commercial policy adds)',
    scenario:
      'AT: apparent at month 30, outside the law, inside a 36-month commercial warranty: approved',
    given: [],
    when: file({
      noticedAt: m(30),
      terms: { coverageMonths: { default: 36, byCategory: {} }, maxCoveredAmountRatio: 0.8 },
    }),
    then: { outcome: 'approved', remedy: 'repair', coveredAmount: 400 },
  },
];

describe('the legal path, country by country and remedy by remedy', () => {
  it('has at least 40 cases and a row for every country named in the issue', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const key of ['EU', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE', 'IE', 'PL', 'PT', 'FI']) {
      expect(CONSUMER_LAW[key]).toBeDefined();
    }
    for (const key of ['GB-EAW', 'GB-SCT', 'GB-NIR', 'US']) expect(CONSUMER_LAW[key]).toBeDefined();
  });

  it.each(CASES.map((c) => [`${c.cite}: ${c.scenario}`, c] as const))('%s', (_title, c) => {
    const events = givenFor(warrantyClaimDecider, history(c.given)).when(c.when).events();
    const decided = lastDecision(events);
    expect(decided.engineVersion).toBe(ENGINE_VERSION);
    expect(decided.outcome).toBe(c.then.outcome);
    if (c.then.remedy !== undefined) expect(decided.remedy).toBe(c.then.remedy);
    if (c.then.coveredAmount !== undefined) {
      expect(decided.coveredAmount).toBe(c.then.coveredAmount);
    }
    if (c.then.cites) {
      const rule = decided.ruleTrace.find((r) => r.ruleId === c.then.cites?.rule);
      expect(rule?.statute).toContain(c.then.cites.statute);
    }
    // Every legal rule that applied names its statute, and the decision recomputes.
    for (const rule of decided.ruleTrace) {
      if (rule.ruleId.startsWith('legal_') && rule.result !== 'not_applicable') {
        expect(rule.statute).toBeTruthy();
      }
    }
    expect(decided.ruleTrace.map((r) => r.ruleId)).toEqual([...RULE_IDS_V2]);
    expect(recomputeDecision(decided).matches).toBe(true);
  });
});

describe('resolveConsumerLaw', () => {
  it('takes the country, then an EU member default, then the jurisdiction', () => {
    expect(resolveConsumerLaw({ countryCode: 'de', jurisdiction: 'EU' }).key).toBe('DE');
    expect(resolveConsumerLaw({ countryCode: 'BE', jurisdiction: 'EU' }).key).toBe('EU');
    expect(resolveConsumerLaw({ countryCode: null, jurisdiction: 'UK' }).key).toBe('GB-EAW');
    expect(resolveConsumerLaw({ countryCode: null, jurisdiction: 'US' }).key).toBe('US');
    expect(resolveConsumerLaw({ countryCode: 'JP', jurisdiction: 'JP' }).key).toBe('NONE');
  });

  it('splits GB by region, assuming England and Wales (and saying so) without one', () => {
    expect(
      resolveConsumerLaw({ countryCode: 'GB', region: 'GB-SCT', jurisdiction: 'UK' }).key,
    ).toBe('GB-SCT');
    expect(
      resolveConsumerLaw({ countryCode: 'GB', region: 'GB-WLS', jurisdiction: 'UK' }).key,
    ).toBe('GB-EAW');
    const assumed = resolveConsumerLaw({ countryCode: 'GB', jurisdiction: 'UK' });
    expect(assumed.key).toBe('GB-EAW');
    expect(assumed.matchedBy).toContain('England and Wales assumed');
  });
});
