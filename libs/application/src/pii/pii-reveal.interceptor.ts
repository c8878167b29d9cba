import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { from, type Observable, switchMap } from 'rxjs';
import { principalOf } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
import { PII_VAULT_TOKEN } from './pii.tokens';
import type { PiiVault } from './pii-vault';

/**
 * Every JSON answer leaves through the vault: sealed personal data is opened for a caller allowed
 * to read it, redacted for others and shown as `{"erased": true}` once erased. One place, so no
 * view, timeline or audit record can forget to.
 */
@Injectable()
export class PiiRevealInterceptor implements NestInterceptor {
  constructor(@Inject(PII_VAULT_TOKEN) private readonly vault: PiiVault) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const reader = readerOf(context.switchToHttp().getRequest<object>());
    return next
      .handle()
      .pipe(switchMap((body: unknown) => from(this.vault.revealValue(body, reader))));
  }
}

/** Who reads when a request carries no identity (public routes): nobody allowed personal data. */
export const ANONYMOUS_READER: Principal = {
  id: 'anonymous',
  name: 'anonymous',
  kind: 'system',
  roles: [],
  scopes: [],
};

/** The authenticated caller the auth guard set on the request, else an anonymous reader. */
export function readerOf(request: object): Principal {
  return principalOf(request) ?? ANONYMOUS_READER;
}
