import { ConfigError } from '@aftercare/event-store';
import { DEFAULT_HTTP_SETTINGS, loadHttpSettings, requestTimeouts } from './http-settings';

describe('HTTP settings', () => {
  it('defaults: 256 kB bodies, generous per-caller limits, CORS off, business times 1970 to +24 h', () => {
    expect(loadHttpSettings({})).toEqual(DEFAULT_HTTP_SETTINGS);
    expect(DEFAULT_HTTP_SETTINGS.bodyLimitBytes).toBe(262_144);
    expect(DEFAULT_HTTP_SETTINGS.corsOrigins).toEqual([]);
    expect(DEFAULT_HTTP_SETTINGS.requestTimeoutMs).toBe(30_000);
  });

  it("gives Node's server the request timeout, the headers' within it", () => {
    expect(requestTimeouts({ requestTimeoutMs: 30_000 })).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 30_000,
      connectionsCheckingInterval: 5_000,
    });
    expect(requestTimeouts({ requestTimeoutMs: 1_000 })).toEqual({
      requestTimeout: 1_000,
      headersTimeout: 1_000,
      connectionsCheckingInterval: 250,
    });
  });

  it('reads every variable', () => {
    expect(
      loadHttpSettings({
        AFTERCARE_BODY_LIMIT_KB: '64',
        AFTERCARE_REQUEST_TIMEOUT_S: '5',
        AFTERCARE_RATE_LIMIT: '100',
        AFTERCARE_RATE_LIMIT_WINDOW_S: '10',
        AFTERCARE_CORS_ORIGINS: 'https://console.example.com, http://localhost:5173',
        AFTERCARE_BUSINESS_TIME_MIN: '2000-01-01',
        AFTERCARE_BUSINESS_TIME_MAX_AHEAD_HOURS: '1',
      }),
    ).toEqual({
      bodyLimitBytes: 65_536,
      requestTimeoutMs: 5_000,
      rateLimit: { limit: 100, windowMs: 10_000 },
      corsOrigins: ['https://console.example.com', 'http://localhost:5173'],
      businessTime: { notBeforeMs: Date.UTC(2000, 0, 1), maxAheadMs: 3_600_000 },
    });
  });

  it.each([
    ['AFTERCARE_BODY_LIMIT_KB', '0'],
    ['AFTERCARE_BODY_LIMIT_KB', '256kb'],
    ['AFTERCARE_REQUEST_TIMEOUT_S', '0'],
    ['AFTERCARE_RATE_LIMIT', '-1'],
    ['AFTERCARE_RATE_LIMIT_WINDOW_S', '1.5'],
    ['AFTERCARE_CORS_ORIGINS', '*'],
    ['AFTERCARE_CORS_ORIGINS', 'https://console.example.com/app'],
    ['AFTERCARE_BUSINESS_TIME_MIN', 'yesterday'],
    ['AFTERCARE_BUSINESS_TIME_MAX_AHEAD_HOURS', 'a day'],
  ])('stops at a bad %s (%s), naming it', (variable, value) => {
    expect(() => loadHttpSettings({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadHttpSettings({ [variable]: value })).toThrow(new RegExp(`^${variable}:`));
  });
});
