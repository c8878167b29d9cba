/**
 * Special functions the models need: log-gamma, the Gauss hypergeometric function 2F1 on the
 * real line left of 1, and numerically stable log-sum-exp / logistic helpers.
 */

// Math functions bound once: a global lookup per call is slow in some hosts (jest's sandbox).
const { log, log1p, exp, abs, sin, cos } = Math;

const LN2 = Math.LN2;
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
 * Closer to 1 than this, the power series needs more than ~100,000 terms (its tail shrinks like
 * z^n), so the 1 - z transformation is used instead. Not earlier: with large parameters the two
 * terms of that transformation are huge and cancel, while the series is still cheap and exact.
 */
const NEAR_ONE = 4e-4;

/** A real number as sign and ln|value|, so results beyond double range keep their digits. */
export interface SignedLog {
  readonly sign: number;
  readonly log: number;
}

/**
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1.
 *
 * z < -0.5: Pfaff's transformation (1 - z)^(-a) 2F1(a, c - b; c; z / (z - 1)) maps z into (1/3, 1).
 * z within NEAR_ONE of 1: the 1 - z transformation (Abramowitz & Stegun 15.3.6), whose series in
 * 1 - z converge at once.
 * Otherwise the power series, summed until the remaining tail (bounded by a geometric series in z)
 * is below double precision. When c - a - b < 0 the series grows like (1 - z)^(c - a - b) near 1,
 * so Euler's transformation (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) is summed instead.
 * Everything is carried as a sign and a logarithm, so large parameters neither overflow a term
 * nor underflow a prefactor.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const { sign, log: magnitude } = hyp2f1Signed(a, b, c, z);
  return sign * exp(magnitude);
}

/** 2F1(a, b; c; z) as its sign and ln|2F1|: finite where the value itself would overflow. */
export function hyp2f1SignedLog(a: number, b: number, c: number, z: number): SignedLog {
  return hyp2f1Signed(a, b, c, z);
}

function hyp2f1Signed(a: number, b: number, c: number, z: number): SignedLog {
  if (!(z < 1)) throw new RangeError(`hyp2f1 needs z < 1, got ${z}`);
  if (isNonPositiveInteger(c)) throw new RangeError(`hyp2f1 needs c not in 0, -1, -2, ...`);
  if (z === 0 || a === 0 || b === 0) return { sign: 1, log: 0 };
  if (z < -0.5) {
    const inner = hyp2f1Signed(a, c - b, c, z / (z - 1));
    return { sign: inner.sign, log: inner.log - a * log1p(-z) };
  }
  const terminates = isNonPositiveInteger(a) || isNonPositiveInteger(b);
  if (!terminates && 1 - z < NEAR_ONE) return hyp2f1NearOne(a, b, c, z);
  if (z > 0.5 && c - a - b < 0 && !terminates) {
    const inner = seriesSigned(c - a, c - b, c, z);
    return { sign: inner.sign, log: inner.log + (c - a - b) * log1p(-z) };
  }
  return seriesSigned(a, b, c, z);
}

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/**
 * 2F1(a, b; c; z) = G(c) G(d) / (G(c-a) G(c-b)) 2F1(a, b; 1-d; 1-z)
 *                 + (1-z)^d G(c) G(-d) / (G(a) G(b)) 2F1(c-a, c-b; 1+d; 1-z),   d = c - a - b.
 * Both gamma factors have poles when d is an integer (the sum stays finite): there the value is
 * extrapolated from b -+ h and b -+ h/2, moving d off the integer without moving c towards a pole
 * (Richardson: the mean at b +- h is even in h, so (4 m(h/2) - m(h)) / 3 is exact to O(h^4)).
 */
function hyp2f1NearOne(a: number, b: number, c: number, z: number): SignedLog {
  const d = c - a - b;
  if (abs(d - Math.round(d)) < 1e-6) {
    const h = 2e-4;
    const mean = (step: number): SignedLog => {
      const sum = addSigned(hyp2f1NearOne(a, b + step, c, z), hyp2f1NearOne(a, b - step, c, z));
      return { sign: sum.sign, log: sum.log - LN2 };
    };
    const coarse = mean(h);
    const fine = mean(h / 2);
    const extrapolated = addSigned(
      { sign: fine.sign, log: fine.log + log(4) },
      { sign: -coarse.sign, log: coarse.log },
    );
    return { sign: extrapolated.sign, log: extrapolated.log - log(3) };
  }
  const w = 1 - z;
  const lgC = signedLogGamma(c);
  const first = product(
    [lgC, signedLogGamma(d), seriesSigned(a, b, 1 - d, w)],
    [signedLogGamma(c - a), signedLogGamma(c - b)],
  );
  const second = product(
    [lgC, signedLogGamma(-d), seriesSigned(c - a, c - b, 1 + d, w), { sign: 1, log: d * log(w) }],
    [signedLogGamma(a), signedLogGamma(b)],
  );
  return addSigned(first, second);
}

/** The product of `over` divided by the product of `under`; a pole under the line gives 0. */
function product(over: readonly SignedLog[], under: readonly SignedLog[]): SignedLog {
  let sign = 1;
  let magnitude = 0;
  for (const v of over) {
    sign *= v.sign;
    magnitude += v.log;
  }
  for (const v of under) {
    if (v.log === Infinity) return { sign: 0, log: -Infinity };
    sign *= v.sign;
    magnitude -= v.log;
  }
  return { sign, log: magnitude };
}

function addSigned(u: SignedLog, v: SignedLog): SignedLog {
  if (u.sign === 0) return v;
  if (v.sign === 0) return u;
  const [big, small] = u.log >= v.log ? [u, v] : [v, u];
  const sum = big.sign + small.sign * exp(small.log - big.log);
  return { sign: Math.sign(sum), log: big.log + log(abs(sum)) };
}

/** Gamma(x) as sign and ln|Gamma(x)|; at a pole (0, -1, -2, ...) ln is +Infinity. */
function signedLogGamma(x: number): SignedLog {
  if (isNonPositiveInteger(x)) return { sign: 1, log: Infinity };
  const sign = x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
  return { sign, log: logGamma(x) };
}

// Partial sums are rescaled by this factor when they grow past it, and the scale kept as a log.
const RESCALE = 1e280;
const LOG_RESCALE = log(RESCALE);

function seriesSigned(a: number, b: number, c: number, z: number): SignedLog {
  // Once n exceeds |a|, |b| and |c| the term ratio is below |z| in magnitude (up to O(1/n)), so
  // the tail after a term t is at most |t| |z| / (1 - |z|) up to that factor.
  const tailFactor = abs(z) / (1 - abs(z));
  const settled = Math.max(abs(a), abs(b), abs(c)) + 2;
  const positive = a > 0 && b > 0 && c > 0;
  // The terms after the leading 1 are summed apart, so ln(1 + tail) keeps the digits of a value
  // within 1e-16 of 1 (the models take 1 - F of such values).
  let term = 1;
  let tail = 0;
  let scale = 0;
  for (let n = 0; n < HYP2F1_MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    tail += term;
    if (term === 0) break;
    if (abs(term) > RESCALE || abs(tail) > RESCALE) {
      // Past this the leading 1 (now 1 / RESCALE) no longer matters.
      term /= RESCALE;
      tail /= RESCALE;
      scale += LOG_RESCALE;
    }
    const sum = scale === 0 ? 1 + tail : tail;
    if (n > settled && abs(term) * (1 + tailFactor) <= 1e-17 * abs(sum)) break;
    if (positive) {
      // Every later term ratio is at most q (both factors move monotonically towards 1), so the
      // tail after this term is at most |term| q / (1 - q): with a huge b and c (a degenerate
      // purchase-model fit) the terms shrink at once, long before n passes max(a, b, c), and
      // stall at the smallest subnormal rather than reaching 0.
      const m = n + 1;
      const q = abs(z) * Math.max((a + m) / (m + 1), 1) * Math.max((b + m) / (c + m), 1);
      if (q < 1 && (abs(term) * q) / (1 - q) <= 1e-17 * abs(sum)) break;
    }
    if (n === HYP2F1_MAX_TERMS - 1) {
      throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge`);
    }
  }
  if (scale === 0 && tail > -0.5) return { sign: 1, log: log1p(tail) };
  const sum = scale === 0 ? 1 + tail : tail;
  return { sign: Math.sign(sum), log: log(abs(sum)) + scale };
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
