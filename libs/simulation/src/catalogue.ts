import type { ExcludableCause, WarrantyPolicyTerms } from '@aftercare/domain';

/**
 * What the simulated shop sells and the warranty policies it sells under. Fixed, not drawn from
 * the seed, so worlds of different seeds are comparable product by product.
 */

export type ProductCategory =
  'appliances' | 'tv_audio' | 'computing' | 'smart_home' | 'small_appliances' | 'accessories';

export type Product = {
  sku: string;
  category: ProductCategory;
  name: string;
  /** List price in the customer's currency (the simulation uses one number for all currencies). */
  price: number;
  /** Probability that one unit develops a defect within three years. */
  defectRate: number;
  /** Probability that one setup visit fails. 0 for products without a setup. */
  setupFailureRate: number;
  hasSerial: boolean;
  needsSetup: boolean;
  /** Carried out of a store (no delivery) when bought in one. */
  carryOut: boolean;
  /** Product team's defect codes for this product. */
  defectCodes: readonly string[];
};

type ProductSpec = [
  sku: string,
  category: ProductCategory,
  name: string,
  price: number,
  defectRate: number,
  setupFailureRate: number,
];

const SPECS: readonly ProductSpec[] = [
  ['APL-WM-800', 'appliances', 'Washing machine 8 kg', 549, 0.12, 0.09],
  ['APL-WM-1000', 'appliances', 'Washing machine 10 kg', 799, 0.09, 0.07],
  ['APL-FR-300', 'appliances', 'Fridge freezer 300 l', 899, 0.07, 0.05],
  ['APL-DW-45', 'appliances', 'Dishwasher slimline', 449, 0.22, 0.12],
  ['APL-OV-PYRO', 'appliances', 'Pyrolytic oven', 699, 0.06, 0.1],
  ['APL-DR-HP', 'appliances', 'Heat pump dryer', 749, 0.15, 0.06],
  ['TVA-TV-55', 'tv_audio', 'TV 55" 4K', 649, 0.08, 0.04],
  ['TVA-TV-65', 'tv_audio', 'TV 65" OLED', 1799, 0.05, 0.05],
  ['TVA-SB-300', 'tv_audio', 'Soundbar 3.1', 299, 0.1, 0.06],
  ['TVA-HP-NC', 'tv_audio', 'Noise-cancelling headphones', 249, 0.14, 0],
  ['TVA-SPK-BT', 'tv_audio', 'Bluetooth speaker', 99, 0.11, 0],
  ['CMP-LT-14', 'computing', 'Laptop 14"', 1099, 0.09, 0],
  ['CMP-LT-16', 'computing', 'Laptop 16" pro', 2199, 0.07, 0],
  ['CMP-DT-TWR', 'computing', 'Desktop tower', 1299, 0.06, 0.08],
  ['CMP-TB-11', 'computing', 'Tablet 11"', 449, 0.1, 0],
  ['CMP-MN-27', 'computing', 'Monitor 27"', 329, 0.05, 0],
  ['CMP-PR-LSR', 'computing', 'Laser printer', 199, 0.18, 0.05],
  ['SMH-TH-01', 'smart_home', 'Smart thermostat', 229, 0.12, 0.15],
  ['SMH-CAM-OUT', 'smart_home', 'Outdoor camera', 179, 0.16, 0.14],
  ['SMH-DB-V2', 'smart_home', 'Video doorbell', 149, 0.28, 0.18],
  ['SMH-HUB', 'smart_home', 'Smart home hub', 99, 0.06, 0.1],
  ['SMA-CM-ESP', 'small_appliances', 'Espresso machine', 449, 0.17, 0],
  ['SMA-VC-ROBOT', 'small_appliances', 'Robot vacuum', 399, 0.2, 0.05],
  ['SMA-VC-STICK', 'small_appliances', 'Stick vacuum', 279, 0.13, 0],
  ['SMA-BL-PRO', 'small_appliances', 'Blender', 129, 0.07, 0],
  ['SMA-AF-5L', 'small_appliances', 'Air fryer', 119, 0.09, 0],
  ['ACC-HDMI-2', 'accessories', 'HDMI cable 2 m', 19, 0, 0],
  ['ACC-FLT-WTR', 'accessories', 'Water filter pack', 29, 0, 0],
  ['ACC-CASE-TB', 'accessories', 'Tablet case', 39, 0, 0],
  ['ACC-MS-WL', 'accessories', 'Wireless mouse', 35, 0, 0],
  ['ACC-BAG-VC', 'accessories', 'Vacuum bags', 15, 0, 0],
];

const DEFECT_CODES: Record<ProductCategory, readonly string[]> = {
  appliances: ['E10-NO-POWER', 'E21-LEAK', 'E35-MOTOR', 'E42-CONTROL-BOARD', 'E51-DOOR-SEAL'],
  tv_audio: ['T10-NO-PICTURE', 'T22-DEAD-PIXELS', 'T31-NO-SOUND', 'T40-BATTERY', 'T55-FIRMWARE'],
  computing: ['C10-NO-BOOT', 'C21-BATTERY', 'C33-SCREEN', 'C44-KEYBOARD', 'C52-STORAGE'],
  smart_home: ['S10-OFFLINE', 'S20-SENSOR', 'S31-BATTERY', 'S45-FIRMWARE'],
  small_appliances: ['M10-NO-POWER', 'M22-PUMP', 'M31-HEATING', 'M40-MOTOR'],
  accessories: ['A10-BROKEN'],
};

export const PRODUCTS: readonly Product[] = SPECS.map(
  ([sku, category, name, price, defectRate, setupFailureRate]) => ({
    sku,
    category,
    name,
    price,
    defectRate,
    setupFailureRate,
    hasSerial: category !== 'accessories',
    needsSetup: setupFailureRate > 0,
    carryOut: price < 500 && category !== 'appliances',
    defectCodes: DEFECT_CODES[category],
  }),
);

export const CATEGORIES: readonly ProductCategory[] = [
  'appliances',
  'tv_audio',
  'computing',
  'smart_home',
  'small_appliances',
  'accessories',
];

export const PRODUCTS_BY_CATEGORY: Readonly<Record<ProductCategory, readonly Product[]>> = {
  appliances: PRODUCTS.filter((p) => p.category === 'appliances'),
  tv_audio: PRODUCTS.filter((p) => p.category === 'tv_audio'),
  computing: PRODUCTS.filter((p) => p.category === 'computing'),
  smart_home: PRODUCTS.filter((p) => p.category === 'smart_home'),
  small_appliances: PRODUCTS.filter((p) => p.category === 'small_appliances'),
  accessories: PRODUCTS.filter((p) => p.category === 'accessories'),
};

/** How often each category is bought, by customer segment. */
export const CATEGORY_WEIGHTS = {
  consumer: [0.16, 0.17, 0.15, 0.12, 0.2, 0.2],
  small_business: [0.08, 0.12, 0.4, 0.1, 0.1, 0.2],
  enterprise: [0.05, 0.15, 0.5, 0.1, 0.05, 0.15],
} as const;

// ---------------------------------------------------------------------------------------------
// Warranty policies: two commercial policies with a second version each, and one for
// accessories. Versions take effect at a share of the simulated period, so every world has
// claims decided under both.
// ---------------------------------------------------------------------------------------------

export type PolicyVersionSpec = {
  version: number;
  /** Share of the simulated period at which the version takes effect; < 0 means before it. */
  effectiveAt: number;
  terms: WarrantyPolicyTerms;
};

export type PolicySpec = {
  policyId: string;
  name: string;
  versions: readonly PolicyVersionSpec[];
};

const ALL_EXCLUSIONS: ExcludableCause[] = [
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
];

export const STANDARD_POLICY = 'standard-warranty';
export const EXTENDED_POLICY = 'extended-care';
export const ACCESSORY_POLICY = 'accessory-warranty';

export const POLICIES: readonly PolicySpec[] = [
  {
    policyId: STANDARD_POLICY,
    name: 'Standard manufacturer warranty',
    versions: [
      {
        version: 1,
        effectiveAt: -0.5,
        terms: {
          coverageMonths: { default: 12, byCategory: { appliances: 24 } },
          exclusions: ALL_EXCLUSIONS,
          requireProofOfPurchase: true,
          repeatClaimThreshold: 2,
          remedyRules: [
            { maxAgeDays: 30, remedy: 'replace' },
            { maxAgeDays: 3650, remedy: 'repair' },
          ],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      },
      {
        version: 2,
        effectiveAt: 0.45,
        terms: {
          coverageMonths: { default: 12, byCategory: { appliances: 36, smart_home: 24 } },
          exclusions: ALL_EXCLUSIONS,
          requireProofOfPurchase: true,
          repeatClaimThreshold: 3,
          remedyRules: [
            { maxAgeDays: 60, remedy: 'replace' },
            { maxAgeDays: 3650, remedy: 'repair' },
          ],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      },
    ],
  },
  {
    policyId: EXTENDED_POLICY,
    name: 'Extended care (accidental damage included)',
    versions: [
      {
        version: 1,
        effectiveAt: -0.5,
        terms: {
          coverageMonths: { default: 36, byCategory: { appliances: 60 } },
          exclusions: ['misuse', 'unauthorised_repair'],
          requireProofOfPurchase: false,
          repeatClaimThreshold: null,
          remedyRules: [
            { maxAgeDays: 90, remedy: 'replace' },
            { maxAgeDays: 3650, remedy: 'repair' },
          ],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 0.8,
        },
      },
      {
        version: 2,
        effectiveAt: 0.65,
        terms: {
          coverageMonths: { default: 36, byCategory: { appliances: 60, computing: 48 } },
          exclusions: ['misuse', 'unauthorised_repair', 'wear'],
          requireProofOfPurchase: false,
          repeatClaimThreshold: 4,
          remedyRules: [
            { maxAgeDays: 90, remedy: 'replace' },
            { maxAgeDays: 3650, remedy: 'repair' },
          ],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 0.9,
        },
      },
    ],
  },
  {
    policyId: ACCESSORY_POLICY,
    name: 'Accessory warranty',
    versions: [
      {
        version: 1,
        effectiveAt: -0.5,
        terms: {
          coverageMonths: { default: 6, byCategory: {} },
          exclusions: ALL_EXCLUSIONS,
          requireProofOfPurchase: true,
          repeatClaimThreshold: 1,
          remedyRules: [],
          defaultRemedy: 'replace',
          maxCoveredAmountRatio: 1,
        },
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Where customers live.
// ---------------------------------------------------------------------------------------------

export type Region = { jurisdiction: string; countries: readonly string[]; currency: string };

export const REGIONS: readonly Region[] = [
  { jurisdiction: 'EU', countries: ['DE', 'FR', 'NL', 'IT', 'ES', 'BE', 'AT'], currency: 'EUR' },
  { jurisdiction: 'UK', countries: ['GB'], currency: 'GBP' },
  { jurisdiction: 'US', countries: ['US'], currency: 'USD' },
];
export const REGION_WEIGHTS = [0.5, 0.2, 0.3];

export const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Dario',
  'Elif',
  'Femi',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Kai',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Yara',
  'Zoe',
];

export const LAST_NAMES = [
  'Andersen',
  'Bauer',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ivanova',
  'Jansen',
  'Kowalski',
  'Lopez',
  'Martin',
  'Nowak',
  'Okafor',
  'Petrov',
  'Rossi',
  'Schmidt',
  'Taylor',
  'Urban',
  'Visser',
  'Walker',
  'Yilmaz',
  'Zimmer',
];
