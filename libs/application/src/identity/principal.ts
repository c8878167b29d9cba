/**
 * Who is calling. Every request and every CLI invocation acts as one principal; the recorded actor
 * of what it writes is the principal's id, never a header.
 */
export const ROLES = ['agent', 'analyst', 'auditor', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Scope a `service` key may carry to receive personal data in feeds and webhooks. */
export const PII_READ_SCOPE = 'pii:read';

export interface Principal {
  /** Stable identifier recorded as the actor: `key:<keyId>`, `oidc:<sub>`, `cli:<os user>`. */
  readonly id: string;
  /** Human label (the key's name, the token's name or email claim, the OS user). */
  readonly name: string;
  readonly kind: 'api_key' | 'oidc' | 'cli' | 'system';
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
  /** For admin identities only: the person they act for, recorded next to the real identity. */
  readonly onBehalfOf?: string;
}

/** The identity of background work (projections, signals, refits) inside the engine itself. */
export const SYSTEM_PRINCIPAL: Principal = {
  id: 'system',
  name: 'system',
  kind: 'system',
  roles: ['admin'],
  scopes: [PII_READ_SCOPE],
};

/** Personal data reaches agents and admins, and services whose key carries `pii:read`. */
export function canReadPii(principal: Principal): boolean {
  return (
    principal.roles.includes('admin') ||
    principal.roles.includes('agent') ||
    principal.scopes.includes(PII_READ_SCOPE)
  );
}
