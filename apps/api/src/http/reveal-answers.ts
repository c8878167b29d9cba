import type { FastifyInstance } from 'fastify';
import { types } from 'node:util';
import { readerOf, type PiiVault } from '@aftercare/application';

/**
 * Every JSON answer leaves through the vault: sealed personal data is opened for a caller allowed
 * to read it, redacted for others and shown as `{"erased": true}` once erased. One place, Fastify's
 * hook before it serialises any object (a handler's return value, an object a handler sends
 * itself, problem details), so no view, timeline or audit record can forget to; a hook rather
 * than a Nest interceptor, which costs every route a layer of rxjs.
 */
export function revealAnswers(fastify: FastifyInstance, vault: PiiVault): void {
  fastify.addHook('preSerialization', (request, _reply, payload, done) => {
    let revealed: unknown;
    try {
      revealed = vault.revealNow(payload, readerOf(request));
    } catch (error) {
      return done(error as Error);
    }
    // Most answers hold nothing that waits for a key: they go on in the same turn.
    if (!types.isPromise(revealed)) return done(null, revealed);
    (revealed as Promise<unknown>).then(
      (value) => done(null, value),
      (error: Error) => done(error),
    );
  });
}
