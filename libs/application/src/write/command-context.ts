import { canonicalJson, sha256Hex } from '@aftercare/domain';

/** Who asks for a command and under which id; travels beside the domain command. */
export interface CommandContext {
  /**
   * The command's id (the HTTP `Idempotency-Key`). Event ids derive from it, so running the same
   * command id again records nothing new and answers the first result.
   */
  commandId: string;
  /** Defaults to the command id. */
  correlationId?: string;
  /**
   * Who asks: the authenticated principal's id (`key:<id>`, `oidc:<sub>`, `cli:<user>`), never a
   * header. Defaults to 'api'.
   */
  actor?: string;
  /** For admin identities only: the person they act for (the `X-Actor` header, `--on-behalf-of`). */
  onBehalfOf?: string;
  /**
   * sha256 of the canonical request that carried the command; the same command id with another
   * request is refused. When absent, the digest of the domain command is used.
   */
  requestDigest?: string;
}

/** sha256 hex of the canonical JSON of a request (keys sorted, undefined dropped). */
export function requestDigest(request: unknown): string {
  return sha256Hex(canonicalJson(request));
}
