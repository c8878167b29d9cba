import { types } from 'node:util';
/**
 * Where personal data sits in each event type's data: the name, email, phone and address of a
 * registration, and free text a customer or an agent typed, which may hold any of them. Each path
 * is sealed on its own so read models can keep what they need (name, email) still sealed.
 */
export const PII_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  CustomerRegistered: [
    ['pii', 'name'],
    ['pii', 'email'],
    ['pii', 'phone'],
    ['pii', 'address'],
  ],
  SetupFailed: [['reason']],
  ComplaintFiled: [['description']],
  ComplaintEscalated: [['reason']],
  ComplaintResolved: [['resolution']],
  ComplaintReopened: [['reason']],
  ReturnRequested: [['reason']],
  FeedbackReceived: [['comment']],
  MaintenancePlanCancelled: [['reason']],
  RetentionActionTaken: [['reason']],
  CustomerPiiErased: [['reason']],
  WarrantyClaimFiled: [['defect', 'description'], ['symptom'], ['evidence', 'notes']],
  WarrantyClaimDecided: [
    ['facts', 'claim', 'defect', 'description'],
    ['facts', 'claim', 'symptom'],
    ['facts', 'claim', 'evidence', 'notes'],
  ],
  WarrantyClaimAssessed: [['notes']],
  FollowUpTaskCompleted: [['note']],
  PromiseMade: [['text']],
  PromiseKept: [['note']],
  PromiseBroken: [['note']],
};

export function piiPathsOf(type: string): readonly (readonly string[])[] {
  return PII_PATHS[type] ?? [];
}

export function hiddenPathsOf(type: string): readonly (readonly string[])[] {
  return HIDDEN_PATHS[type] ?? [];
}

/**
 * Returns a copy of `data` with each present PII path replaced by `replace(value)`; untouched
 * branches are shared, the input is never changed.
 */
export async function mapPiiPaths(
  type: string,
  data: unknown,
  replace: (value: unknown) => unknown | Promise<unknown>,
): Promise<unknown> {
  return mapPaths(piiPathsOf(type), data, replace);
}

/** `mapPiiPaths` over any list of paths. */
export async function mapPaths(
  paths: readonly (readonly string[])[],
  data: unknown,
  replace: (value: unknown) => unknown | Promise<unknown>,
): Promise<unknown> {
  return mapPathsNow(paths, data, replace);
}

/**
 * `mapPaths`, answered at once (no promise) when no `replace` along the way returned one: a
 * timeline page opens a few fields in each of its events, most with keys already in memory.
 */
export function mapPathsNow(
  paths: readonly (readonly string[])[],
  data: unknown,
  replace: (value: unknown) => unknown | Promise<unknown>,
): unknown | Promise<unknown> {
  let result: unknown = data;
  for (const [i, path] of paths.entries()) {
    result = replaceAt(result, path, 0, replace);
    if (isPromise(result)) {
      const rest = paths.slice(i + 1);
      return result.then((partial) => mapPathsNow(rest, partial, replace));
    }
  }
  return result;
}

function replaceAt(
  node: unknown,
  path: readonly string[],
  depth: number,
  replace: (value: unknown) => unknown | Promise<unknown>,
): unknown | Promise<unknown> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const record = node as Record<string, unknown>;
  const key = path[depth];
  if (!(key in record) || record[key] === undefined || record[key] === null) return node;
  const next =
    depth === path.length - 1
      ? replace(record[key])
      : replaceAt(record[key], path, depth + 1, replace);
  const settle = (value: unknown) => (value === record[key] ? node : { ...record, [key]: value });
  return isPromise(next) ? next.then(settle) : settle(next);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return types.isPromise(value);
}

/** Secrets no reader ever receives from a feed or an export, sealed or not. */
export const HIDDEN_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  WebhookSubscriptionRegistered: [['secret']],
};
