/**
 * Consumer law a commercial warranty cannot take away, country by country, as data. The engine
 * reads only this table, and each decision copies the row it used into its facts, so a later
 * change here never changes how an old decision verifies.
 *
 * Figures are what the cited provisions say as far as this table's authors know them; where a
 * figure or an article number is not verified, `uncertain` says so (docs/warranty-law.md lists
 * every row with its sources). Nothing here is legal advice.
 */

/** How long the seller answers for a lack of conformity, counted from delivery. */
export type GuaranteeTerm =
  | { kind: 'fixed'; months: number }
  /** No fixed term: the goods must last as long as goods of the kind can be expected to. */
  | { kind: 'expected_lifespan' }
  /** US: implied warranties last as long as the written warranty (15 U.S.C. § 2308(b)). */
  | { kind: 'written_warranty' }
  | { kind: 'none' };

/** When the claim is time-barred: months from delivery, or from when the defect was noticed. */
export type LimitationTerm = {
  months: number;
  from: 'delivery' | 'notice';
  /** DE: the claim does not lapse before this many months after the defect appeared. */
  graceAfterNoticeMonths?: number;
};

export type NotificationDuty =
  | { kind: 'none' }
  /** Notice later than this after discovery loses the legal remedies. */
  | { kind: 'deadline'; months: number }
  /** Within a reasonable time; up to `safeMonths` is always timely, later a person judges. */
  | { kind: 'reasonable_time'; safeMonths: number };

/**
 * `eu`: repair or replacement as the consumer chooses, then price reduction or termination
 * (Directive 2019/771 art. 13). `uk`: the same tiers plus the short-term and final rights to
 * reject (CRA 2015 ss. 20-24). `written_warranty`: the remedy the written warranty gives.
 */
export type RemedyScheme = 'eu' | 'uk' | 'written_warranty';

export type ConsumerLawRow = {
  /** 'DE', 'GB-SCT', 'EU' (the directive's default), 'US', 'NONE'. */
  key: string;
  name: string;
  guarantee: GuaranteeTerm;
  /** Within this many months of delivery a lack of conformity is presumed present at delivery. */
  presumptionMonths: number;
  limitation: LimitationTerm | null;
  /** A refund on request within this many days of delivery (UK, IE). */
  shortTermRejectDays: number | null;
  notification: NotificationDuty;
  remedyScheme: RemedyScheme;
  /** UK: a refund on final rejection may be reduced for use only after this many months. */
  deductionForUseAfterMonths: number | null;
  statutes: {
    guarantee: string;
    presumption: string;
    limitation: string;
    notification: string;
    remedies: string;
    shortTermReject?: string;
    deductionForUse?: string;
  };
  /** What this row does not know for certain; null when every figure was checked. */
  uncertain: string | null;
  /** How the row was chosen for a claim (filled in by `resolveConsumerLaw`). */
  matchedBy?: string;
};

const DIRECTIVE = 'Directive (EU) 2019/771';

const EU_DEFAULT: ConsumerLawRow = {
  key: 'EU',
  name: 'EU default (Sale of Goods Directive)',
  guarantee: { kind: 'fixed', months: 24 },
  presumptionMonths: 12,
  limitation: null,
  shortTermRejectDays: null,
  notification: { kind: 'none' },
  remedyScheme: 'eu',
  deductionForUseAfterMonths: null,
  statutes: {
    guarantee: `${DIRECTIVE}, art. 10(1)`,
    presumption: `${DIRECTIVE}, art. 11(1)`,
    limitation: `${DIRECTIVE}, art. 10(4)-(5): left to national law`,
    notification: `${DIRECTIVE}, art. 12: a member-state option, not EU-wide`,
    remedies: `${DIRECTIVE}, arts. 13-16`,
  },
  uncertain: null,
};

const GB_COMMON = {
  guarantee: { kind: 'expected_lifespan' },
  presumptionMonths: 6,
  shortTermRejectDays: 30,
  notification: { kind: 'none' },
  remedyScheme: 'uk',
  deductionForUseAfterMonths: 6,
} as const satisfies Partial<ConsumerLawRow>;

const CRA = 'Consumer Rights Act 2015';
const GB_STATUTES = {
  guarantee: `${CRA}, ss. 9-10 (satisfactory quality includes durability; no fixed term)`,
  presumption: `${CRA}, s. 19(14)-(15)`,
  notification: `${CRA}: no notification duty`,
  remedies: `${CRA}, ss. 19-24`,
  shortTermReject: `${CRA}, ss. 20-22 (30 days from delivery)`,
  deductionForUse: `${CRA}, s. 24(8)-(10)`,
};

/** Keyed by ISO 3166-1 alpha-2 (GB by ISO 3166-2 part), plus 'EU' and 'NONE'. */
export const CONSUMER_LAW: Readonly<Record<string, ConsumerLawRow>> = {
  EU: EU_DEFAULT,
  DE: {
    ...EU_DEFAULT,
    key: 'DE',
    name: 'Germany',
    limitation: { months: 24, from: 'delivery', graceAfterNoticeMonths: 4 },
    notification: { kind: 'none' },
    statutes: {
      guarantee: 'BGB §§ 434, 437, 438(1) Nr. 3 and (2) (two years from delivery)',
      presumption: 'BGB § 477(1) (one year since 1 January 2022)',
      limitation: 'BGB § 438(1) Nr. 3, (2); § 475e(3) (not before four months after it appeared)',
      notification: 'None for consumers (HGB § 377 binds merchants only)',
      remedies: 'BGB §§ 439-441, 475(5)',
    },
  },
  FR: {
    ...EU_DEFAULT,
    key: 'FR',
    name: 'France',
    presumptionMonths: 24,
    statutes: {
      guarantee: 'Code de la consommation, art. L217-3 (two years from delivery)',
      presumption: 'Code de la consommation, art. L217-7 (24 months; 12 for second-hand goods)',
      limitation: 'Not modelled (general rules of the Code civil)',
      notification: 'None',
      remedies: 'Code de la consommation, arts. L217-8 to L217-17',
    },
    uncertain:
      'The limitation of the action is left to general rules and not modelled; the six-month extension after a repair (art. L217-13) is not modelled.',
  },
  ES: {
    ...EU_DEFAULT,
    key: 'ES',
    name: 'Spain',
    guarantee: { kind: 'fixed', months: 36 },
    presumptionMonths: 24,
    limitation: { months: 60, from: 'notice' },
    statutes: {
      guarantee: 'TRLGDCU (RDLeg. 1/2007) art. 120, as amended by RDL 7/2021 (three years)',
      presumption: 'TRLGDCU art. 121 (two years)',
      limitation: 'TRLGDCU art. 124 (five years from when the lack of conformity appeared)',
      notification: 'None applied',
      remedies: 'TRLGDCU arts. 118-119 ter',
    },
    uncertain:
      'Applies to goods delivered from 1 January 2022. Whether a notification duty survives RDL 7/2021 is not verified; none is applied.',
  },
  IT: {
    ...EU_DEFAULT,
    key: 'IT',
    name: 'Italy',
    limitation: { months: 26, from: 'delivery' },
    notification: { kind: 'deadline', months: 2 },
    statutes: {
      guarantee: 'Codice del consumo (D.Lgs. 206/2005) art. 133(1), as amended by D.Lgs. 170/2021',
      presumption: 'Codice del consumo art. 135(1) (one year)',
      limitation: 'Codice del consumo art. 133(3) (26 months from delivery)',
      notification: 'Codice del consumo art. 133(2) (two months from discovery)',
      remedies: 'Codice del consumo art. 135-bis',
    },
    uncertain:
      'Article numbers after D.Lgs. 170/2021 are from memory, not checked against the text.',
  },
  NL: {
    ...EU_DEFAULT,
    key: 'NL',
    name: 'Netherlands',
    guarantee: { kind: 'expected_lifespan' },
    limitation: { months: 24, from: 'notice' },
    notification: { kind: 'reasonable_time', safeMonths: 2 },
    statutes: {
      guarantee: 'BW art. 7:17 (conformity; no fixed term: the expected lifespan)',
      presumption: 'BW art. 7:18(2) (one year since 1 January 2022)',
      limitation: 'BW art. 7:23(2) (two years after notification)',
      notification: 'BW art. 7:23(1) (reasonable time; two months is timely)',
      remedies: 'BW arts. 7:21-7:22',
    },
  },
  FI: {
    ...EU_DEFAULT,
    key: 'FI',
    name: 'Finland',
    guarantee: { kind: 'expected_lifespan' },
    notification: { kind: 'reasonable_time', safeMonths: 2 },
    statutes: {
      guarantee: 'Kuluttajansuojalaki (38/1978) ch. 5 s. 12 (no fixed term: the expected lifespan)',
      presumption: 'Kuluttajansuojalaki ch. 5 s. 15 (one year since 2022)',
      limitation: 'Not modelled (general limitation law)',
      notification: 'Kuluttajansuojalaki ch. 5 s. 16 (reasonable time; two months is timely)',
      remedies: 'Kuluttajansuojalaki ch. 5 ss. 18-19',
    },
    uncertain:
      'Section numbers and the one-year presumption after the 2022 reform are not verified.',
  },
  SE: {
    ...EU_DEFAULT,
    key: 'SE',
    name: 'Sweden',
    guarantee: { kind: 'fixed', months: 36 },
    presumptionMonths: 24,
    notification: { kind: 'reasonable_time', safeMonths: 2 },
    statutes: {
      guarantee: 'Konsumentköplag (2022:260) ch. 4 (complaint within three years of receipt)',
      presumption: 'Konsumentköplag (2022:260) ch. 4 (two years)',
      limitation: 'Not modelled (Preskriptionslag 1981:130)',
      notification: 'Konsumentköplag (2022:260) ch. 4 (reasonable time; two months is timely)',
      remedies: 'Konsumentköplag (2022:260) ch. 4',
    },
    uncertain: 'Section numbers within ch. 4 are not given because they were not verified.',
  },
  IE: {
    ...EU_DEFAULT,
    key: 'IE',
    name: 'Ireland',
    guarantee: { kind: 'fixed', months: 72 },
    limitation: { months: 72, from: 'delivery' },
    shortTermRejectDays: 30,
    statutes: {
      guarantee: 'Consumer Rights Act 2022 (IE), Part 2 (six years from delivery)',
      presumption: 'Consumer Rights Act 2022 (IE), Part 2 (one year)',
      limitation: 'Statute of Limitations 1957, s. 11(1)(a) (six years)',
      notification: 'None',
      remedies: 'Consumer Rights Act 2022 (IE), Part 2, Chapter 3',
      shortTermReject:
        'Consumer Rights Act 2022 (IE), Part 2 (short-term right to terminate, 30 days)',
    },
    uncertain: 'Section numbers of the 2022 Act are not given because they were not verified.',
  },
  PL: {
    ...EU_DEFAULT,
    key: 'PL',
    name: 'Poland',
    presumptionMonths: 24,
    statutes: {
      guarantee: 'Ustawa o prawach konsumenta (2014), art. 43c(1) (two years, from 1 January 2023)',
      presumption: 'Ustawa o prawach konsumenta, art. 43c(2) (two years)',
      limitation: 'Not modelled (Kodeks cywilny art. 118 and art. 43c)',
      notification: 'None',
      remedies: 'Ustawa o prawach konsumenta, arts. 43d-43e',
    },
    uncertain: 'The limitation rules are not modelled.',
  },
  PT: {
    ...EU_DEFAULT,
    key: 'PT',
    name: 'Portugal',
    guarantee: { kind: 'fixed', months: 36 },
    presumptionMonths: 24,
    statutes: {
      guarantee: 'Decreto-Lei 84/2021, art. 12(1) (three years)',
      presumption: 'Decreto-Lei 84/2021, art. 13(1) (two years)',
      limitation: 'Not modelled (Decreto-Lei 84/2021, art. 17)',
      notification: 'None applied',
      remedies: 'Decreto-Lei 84/2021, arts. 15-16',
    },
    uncertain:
      'Whether a duty to report within a set time survives DL 84/2021 and how art. 17 counts its period are not verified.',
  },
  'GB-EAW': {
    ...GB_COMMON,
    key: 'GB-EAW',
    name: 'United Kingdom: England and Wales',
    limitation: { months: 72, from: 'delivery' },
    statutes: { ...GB_STATUTES, limitation: 'Limitation Act 1980, s. 5 (six years)' },
    uncertain: null,
  },
  'GB-SCT': {
    ...GB_COMMON,
    key: 'GB-SCT',
    name: 'United Kingdom: Scotland',
    limitation: { months: 60, from: 'delivery' },
    statutes: {
      ...GB_STATUTES,
      limitation: 'Prescription and Limitation (Scotland) Act 1973, s. 6 (five years)',
    },
    uncertain: 'Prescription runs from when the loss arose; modelled as from delivery.',
  },
  'GB-NIR': {
    ...GB_COMMON,
    key: 'GB-NIR',
    name: 'United Kingdom: Northern Ireland',
    limitation: { months: 72, from: 'delivery' },
    statutes: {
      ...GB_STATUTES,
      limitation: 'Limitation (Northern Ireland) Order 1989, art. 6 (six years)',
    },
    uncertain: null,
  },
  US: {
    key: 'US',
    name: 'United States (federal)',
    guarantee: { kind: 'written_warranty' },
    presumptionMonths: 0,
    limitation: { months: 48, from: 'delivery' },
    shortTermRejectDays: null,
    notification: { kind: 'none' },
    remedyScheme: 'written_warranty',
    deductionForUseAfterMonths: null,
    statutes: {
      guarantee:
        'Magnuson-Moss Warranty Act, 15 U.S.C. § 2308(a)-(b): a written warranty cannot disclaim implied warranties; their duration may be limited to its own',
      presumption: 'None: the buyer shows the breach',
      limitation: 'UCC § 2-725 (four years from tender of delivery; state law)',
      notification: 'UCC § 2-607(3)(a) (reasonable time) is not modelled',
      remedies: 'The written warranty; 15 U.S.C. § 2304 for full warranties',
    },
    uncertain:
      'Implied warranties are state law (UCC § 2-314, § 2-725 as enacted); the duration is assumed limited to the written warranty, the most a supplier may do.',
  },
  NONE: {
    key: 'NONE',
    name: 'No statutory guarantee known',
    guarantee: { kind: 'none' },
    presumptionMonths: 0,
    limitation: null,
    shortTermRejectDays: null,
    notification: { kind: 'none' },
    remedyScheme: 'written_warranty',
    deductionForUseAfterMonths: null,
    statutes: {
      guarantee: 'No row in the consumer-law table',
      presumption: 'None',
      limitation: 'None',
      notification: 'None',
      remedies: 'The commercial policy only',
    },
    uncertain: null,
  },
};

/** EU member states without a row of their own get the directive's default. */
export const EU_MEMBER_STATES: readonly string[] = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
];

/** ISO 3166-2 parts of GB and the row each falls under. */
export const GB_REGIONS: Readonly<Record<string, string>> = {
  'GB-ENG': 'GB-EAW',
  'GB-WLS': 'GB-EAW',
  'GB-SCT': 'GB-SCT',
  'GB-NIR': 'GB-NIR',
};

/**
 * Expected lifespan in months by product category, for laws without a fixed term (NL, FI, the
 * UK's durability test). These are Aftercare's estimates of what a consumer may expect, not
 * statute; a court decides case by case. Unknown categories get `default`.
 */
export const EXPECTED_LIFESPAN_MONTHS: Readonly<Record<string, number>> = {
  default: 36,
  appliances: 96,
  washing_machine: 96,
  tv: 72,
  television: 72,
  tv_audio: 72,
  computing: 48,
  smart_home: 48,
  small_appliances: 48,
  accessories: 24,
};

export function expectedLifespanMonths(category: string): number {
  return Object.hasOwn(EXPECTED_LIFESPAN_MONTHS, category)
    ? EXPECTED_LIFESPAN_MONTHS[category]
    : EXPECTED_LIFESPAN_MONTHS.default;
}

/**
 * The row for a customer: by country (GB by region, England and Wales when no region is
 * recorded), an EU member without a row gets the directive's default, and a customer without a
 * known country falls back to the jurisdiction ('EU', 'UK', 'US'). The copy names how it matched.
 */
export function resolveConsumerLaw(input: {
  countryCode?: string | null;
  region?: string | null;
  jurisdiction: string;
}): ConsumerLawRow {
  const country = input.countryCode?.trim().toUpperCase() || null;
  const region = input.region?.trim().toUpperCase() || null;
  const row = (key: string, matchedBy: string): ConsumerLawRow => ({
    ...CONSUMER_LAW[key],
    matchedBy,
  });
  if (country === 'GB' || (country === null && input.jurisdiction === 'UK')) {
    const key = region !== null ? GB_REGIONS[region] : undefined;
    if (key) return row(key, `region ${region}`);
    return row(
      'GB-EAW',
      region === null
        ? 'country GB, no region recorded: England and Wales assumed'
        : `country GB, region ${region} unknown: England and Wales assumed`,
    );
  }
  if (country !== null && country !== 'EU' && Object.hasOwn(CONSUMER_LAW, country)) {
    return row(country, `country ${country}`);
  }
  if (country !== null && EU_MEMBER_STATES.includes(country)) {
    return row('EU', `country ${country}: EU member without a row of its own`);
  }
  if (country === null && Object.hasOwn(CONSUMER_LAW, input.jurisdiction)) {
    return row(input.jurisdiction, `no country recorded: jurisdiction ${input.jurisdiction}`);
  }
  if (input.jurisdiction === 'EU') {
    return row('EU', `country ${country ?? '-'} not in the table: jurisdiction EU`);
  }
  return row('NONE', `country ${country ?? '-'}, jurisdiction ${input.jurisdiction}: no row`);
}
