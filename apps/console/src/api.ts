/**
 * The console's one way to the API: same origin, `Authorization: Bearer <key or token>` from
 * sessionStorage (gone when the tab closes), problem+json errors turned into ApiProblem.
 */
const KEY = 'aftercare.credential';

export const credential = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string): void => sessionStorage.setItem(KEY, value),
  clear: (): void => sessionStorage.removeItem(KEY),
};

export interface FieldError {
  field: string;
  messages: string[];
}

/** An error response as RFC 9457 problem details (or what a non-problem answer amounts to). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || title);
  }

  /** Messages for one field of a form (a nested path like `evidence.proofOfPurchase` too). */
  messagesFor(field: string): string[] {
    return this.errors.filter((e) => e.field === field).flatMap((e) => e.messages);
  }
}

type Params = Record<string, string | number | undefined | null | false>;

export function withQuery(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== false && value !== '') {
      query.set(name, String(value));
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function authHeaders(): Record<string, string> {
  const key = credential.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Listeners told when the API refuses the credential (401), so the app returns to sign-in. */
const onUnauthorized = new Set<() => void>();
export const whenUnauthorized = (listener: () => void): (() => void) => {
  onUnauthorized.add(listener);
  return () => onUnauthorized.delete(listener);
};

async function problemOf(response: Response): Promise<ApiProblem> {
  const body = (await response.json().catch(() => ({}))) as {
    title?: string;
    detail?: string;
    errors?: FieldError[];
  };
  if (response.status === 401) for (const listener of onUnauthorized) listener();
  return new ApiProblem(
    response.status,
    body.title ?? response.statusText,
    body.detail ?? `HTTP ${response.status}`,
    Array.isArray(body.errors) ? body.errors : [],
  );
}

/**
 * Read your own writes: the position of the console's latest write (its X-Aftercare-Position).
 * Reads send it as X-Aftercare-Min-Position, so the page shown after a write includes it although
 * the read models are projected asynchronously.
 */
let lastWritten: bigint | undefined;

function remember(response: Response): void {
  const position = response.headers.get('x-aftercare-position');
  if (position && /^\d+$/.test(position)) {
    const at = BigInt(position);
    if (lastWritten === undefined || at > lastWritten) lastWritten = at;
  }
}

/**
 * Whether a read was refused for its minimum position: 503 (the read models did not reach it in
 * time) or 400 naming X-Aftercare-Min-Position (above the store's head: no write was given it).
 */
async function positionNotServed(response: Response): Promise<boolean> {
  if (response.status === 503) return true;
  if (response.status !== 400) return false;
  const problem = await problemOf(response.clone());
  return problem.messagesFor('X-Aftercare-Min-Position').length > 0;
}

export async function apiGet<T>(path: string, params?: Params): Promise<T> {
  const url = withQuery(path, params);
  const headers = { accept: 'application/json', ...authHeaders() };
  const wanted = lastWritten;
  let response = await fetch(url, {
    headers:
      wanted === undefined ? headers : { ...headers, 'x-aftercare-min-position': `${wanted}` },
  });
  if (wanted !== undefined && (await positionNotServed(response))) {
    // The read models did not get there in time (a stopped projector), or the store no longer
    // holds that position (a store set up anew while this page stayed open): show what they hold
    // rather than nothing; the freshness headers say how far behind it is.
    if (lastWritten === wanted) lastWritten = undefined;
    response = await fetch(url, { headers });
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

/** A write: JSON body, a fresh Idempotency-Key so a retried click is not recorded twice. */
export async function apiPost<T>(path: string, body: unknown, idempotencyKey: string): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
      ...authHeaders(),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await problemOf(response);
  remember(response);
  return (await response.json()) as T;
}
