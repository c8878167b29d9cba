/**
 * Special functions the models need: log-gamma, the Gauss hypergeometric function 2F1 on the
 * real line left of 1, and numerically stable log-sum-exp / logistic helpers.
 */

// Math functions bound once: a global lookup per call is slow in some hosts (jest's sandbox).
const { log, log1p, exp, pow, abs, sin, cos } = Math;

const HALF_LOG_TWO_PI = 0.9189385332046727; // ln(sqrt(2*pi))

// Lanczos approximation, g = 7, n = 9 (relative error of Gamma about 1e-15 for x >= 0.5).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

// Stirling series coefficients B(2k) / (2k (2k - 1)), k = 1..7, in powers of 1/x^2.
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

/**
 * ln|Gamma(x)| for real x that is not a non-positive integer (absolute error about 1e-14 near the
 * zeros at 1 and 2, relative error about 1e-15 elsewhere, including very large x).
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
    return log(Math.PI / abs(sinPi(x))) - logGamma(1 - x);
  }
  if (x >= 15) {
    const inv = 1 / x;
    const inv2 = inv * inv;
    let series = 0;
    for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k];
    return (x - 0.5) * log(x) - x + HALF_LOG_TWO_PI + series * inv;
  }
  const y = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * log(t) - t + log(sum);
}

/** sin(pi x) with the argument reduced first, so integers give exact zeros. */
function sinPi(x: number): number {
  const r = x - 2 * Math.floor(x / 2); // in [0, 2)
  if (r <= 0.5) return sin(Math.PI * r);
  if (r <= 1.5) return cos(Math.PI * (r - 0.5));
  return -sin(Math.PI * (2 - r));
}

/** ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const HYP2F1_MAX_TERMS = 1_000_000;

/**
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1.
 *
 * z in [-0.5, 1): the power series, summed until the remaining tail (bounded by a geometric series
 * in z) is below double precision. When c - a - b < 0 the series grows like (1 - z)^(c - a - b)
 * near 1, so Euler's transformation (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) is summed instead.
 * z < -0.5: Pfaff's transformation (1 - z)^(-a) 2F1(a, c - b; c; z / (z - 1)) maps z into (1/3, 1).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z < 1)) throw new RangeError(`hyp2f1 needs z < 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 needs c not in 0, -1, -2, ...`);
  if (z === 0 || a === 0 || b === 0) return 1;
  if (z < -0.5) {
    return pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1));
  }
  if (z > 0.5 && c - a - b < 0 && !isNonPositiveInteger(a) && !isNonPositiveInteger(b)) {
    return pow(1 - z, c - a - b) * hyp2f1Series(c - a, c - b, c, z);
  }
  return hyp2f1Series(a, b, c, z);
}

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  // Once n exceeds |a|, |b| and |c| the term ratio is below |z| in magnitude (up to O(1/n)), so
  // the tail after a term t is at most |t| |z| / (1 - |z|) up to that factor.
  const tailFactor = abs(z) / (1 - abs(z));
  const settled = Math.max(abs(a), abs(b), abs(c)) + 2;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < HYP2F1_MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return sum;
    if (n > settled && abs(term) * (1 + tailFactor) <= 1e-17 * abs(sum)) return sum;
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge`);
}

/** ln(e^a + e^b) without overflow or underflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/** ln(sum_i e^(v_i)) without overflow or underflow; -Infinity for an empty list. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += exp(values[i] - max);
  return max + log(sum);
}

/** The logistic function 1 / (1 + e^(-v)), stable for large |v|. */
export function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + exp(-v));
  const e = exp(v);
  return e / (1 + e);
}

/** ln(p / (1 - p)). */
export function logit(p: number): number {
  return log(p) - log1p(-p);
}
