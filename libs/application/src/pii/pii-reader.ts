import { principalOf } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';

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
