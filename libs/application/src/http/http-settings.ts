import { ConfigError } from '@aftercare/event-store';

/** How the API guards its door, from the environment (validated at start). */
export interface HttpSettings {
  /** AFTERCARE_BODY_LIMIT_KB: largest request body accepted; larger ones get 413. */
  bodyLimitBytes: number;
  /**
   * AFTERCARE_REQUEST_TIMEOUT_S: a request's headers and body must arrive within this time, or the
   * connection is answered 408 and closed (a client that stops half-way holds no connection).
   * Answers may take longer: the event feed streams for as long as it is read.
   */
  requestTimeoutMs: number;
  /**
   * AFTERCARE_RATE_LIMIT requests per caller (API key id, else IP) every
   * AFTERCARE_RATE_LIMIT_WINDOW_S seconds; more get 429 with Retry-After. 0 turns it off.
   */
  rateLimit: { limit: number; windowMs: number };
  /** AFTERCARE_CORS_ORIGINS: origins allowed cross-origin requests; empty means CORS stays off. */
  corsOrigins: string[];
  /**
   * Business times (`occurredAt`) must fall between AFTERCARE_BUSINESS_TIME_MIN and
   * AFTERCARE_BUSINESS_TIME_MAX_AHEAD_HOURS past the server clock.
   */
  businessTime: { notBeforeMs: number; maxAheadMs: number };
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  bodyLimitBytes: 256 * 1024,
  requestTimeoutMs: 30_000,
  // Generous: a busy integration or the test suites never meet it; a runaway client does.
  rateLimit: { limit: 30_000, windowMs: 60_000 },
  corsOrigins: [],
  businessTime: { notBeforeMs: 0, maxAheadMs: 24 * 3_600_000 },
};

export function loadHttpSettings(env: NodeJS.ProcessEnv): HttpSettings {
  const bodyLimitKb = wholeNumber(env, 'AFTERCARE_BODY_LIMIT_KB', 1, 100 * 1024);
  const requestTimeoutS = wholeNumber(env, 'AFTERCARE_REQUEST_TIMEOUT_S', 1, 3_600);
  const limit = wholeNumber(env, 'AFTERCARE_RATE_LIMIT', 0, 10_000_000);
  const windowS = wholeNumber(env, 'AFTERCARE_RATE_LIMIT_WINDOW_S', 1, 86_400);
  const maxAheadHours = wholeNumber(env, 'AFTERCARE_BUSINESS_TIME_MAX_AHEAD_HOURS', 0, 87_600);
  return {
    bodyLimitBytes:
      bodyLimitKb === undefined ? DEFAULT_HTTP_SETTINGS.bodyLimitBytes : bodyLimitKb * 1024,
    requestTimeoutMs:
      requestTimeoutS === undefined
        ? DEFAULT_HTTP_SETTINGS.requestTimeoutMs
        : requestTimeoutS * 1000,
    rateLimit: {
      limit: limit ?? DEFAULT_HTTP_SETTINGS.rateLimit.limit,
      windowMs: windowS === undefined ? DEFAULT_HTTP_SETTINGS.rateLimit.windowMs : windowS * 1000,
    },
    corsOrigins: corsOrigins(env.AFTERCARE_CORS_ORIGINS),
    businessTime: {
      notBeforeMs: notBefore(env.AFTERCARE_BUSINESS_TIME_MIN),
      maxAheadMs:
        maxAheadHours === undefined
          ? DEFAULT_HTTP_SETTINGS.businessTime.maxAheadMs
          : maxAheadHours * 3_600_000,
    },
  };
}

function wholeNumber(
  env: NodeJS.ProcessEnv,
  variable: string,
  min: number,
  max: number,
): number | undefined {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(variable, `'${raw}' must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is scheme, host and port only: a path or a wildcard would not match any browser.
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        'AFTERCARE_CORS_ORIGINS',
        `'${origin}' is not an origin such as https://console.example.com`,
      );
    }
  }
  return origins;
}

function notBefore(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_HTTP_SETTINGS.businessTime.notBeforeMs;
  const value = raw.trim();
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ConfigError(
      'AFTERCARE_BUSINESS_TIME_MIN',
      `'${value}' must be a UTC date or instant such as 1970-01-01 or 2000-01-01T00:00:00Z`,
    );
  }
  return ms;
}

/**
 * Node's HTTP server options for `settings`: the whole request within its timeout (the headers
 * too, which Node requires), checked often enough that a stalled request is closed near it.
 */
export function requestTimeouts(settings: Pick<HttpSettings, 'requestTimeoutMs'>): {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  const timeout = settings.requestTimeoutMs;
  return {
    requestTimeout: timeout,
    headersTimeout: Math.min(60_000, timeout),
    connectionsCheckingInterval: Math.min(5_000, Math.max(250, Math.floor(timeout / 4))),
  };
}
