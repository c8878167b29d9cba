import { InvalidAppendError } from './errors';
import type { AllFilter, EventToAppend, ExpectedRevision } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The category of a stream is the part of its id before the first '-'. */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

export function matchesFilter(
  filter: AllFilter | undefined,
  streamId: string,
  type: string,
): boolean {
  if (!filter) return true;
  if (filter.categories?.length && !filter.categories.includes(streamCategory(streamId))) {
    return false;
  }
  if (
    filter.eventTypePrefixes?.length &&
    !filter.eventTypePrefixes.some((p) => type.startsWith(p))
  ) {
    return false;
  }
  return true;
}

export function validateExpectedRevision(expected: unknown): ExpectedRevision {
  if (expected === undefined) return 'any';
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') {
    return expected;
  }
  if (typeof expected === 'bigint' && expected >= 0n) return expected;
  throw new InvalidAppendError(
    `Unknown expected revision ${String(expected)}: use 'any', 'no_stream', 'stream_exists' or a non-negative bigint`,
  );
}

/**
 * Checks an append request before anything touches storage and returns each event's data and
 * metadata serialised as JSON, so adapters never write a half-valid batch.
 */
export function validateAppend(
  streamId: unknown,
  events: readonly EventToAppend[],
): { data: string; metadata: string }[] {
  if (typeof streamId !== 'string' || streamId.trim() === '') {
    throw new InvalidAppendError('Stream id must be a non-empty string');
  }
  if (streamId.startsWith('$')) {
    throw new InvalidAppendError(
      `Stream id '${streamId}' is reserved: ids starting with '$' belong to the store`,
    );
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`Append to '${streamId}' needs at least one event`);
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    // Only a failure needs the words: built then, not for every event of a valid append.
    const where = (): string => `event ${index} of the append to '${streamId}'`;
    if (typeof event?.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidAppendError(
        `The id of ${where()} must be a UUID, got ${JSON.stringify(event?.id)}`,
      );
    }
    const id = event.id.toLowerCase();
    if (seen.has(id)) {
      throw new InvalidAppendError(
        `The id ${event.id} appears twice in the append to '${streamId}'`,
      );
    }
    seen.add(id);
    if (typeof event.type !== 'string' || event.type.trim() === '') {
      throw new InvalidAppendError(`The type of ${where()} must be a non-empty string`);
    }
    return {
      data: toJson(event.data, () => `The data of ${where()}`),
      metadata: toJson(event.metadata ?? { schemaVersion: 1 }, () => `The metadata of ${where()}`),
    };
  });
}

function toJson(value: unknown, what: () => string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidAppendError(`${what()} must be a JSON object`);
  }
  const problem = nonJson(value, '', 0);
  if (problem) throw new InvalidAppendError(`${what()} is not JSON: ${problem}`);
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new InvalidAppendError(`${what()} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Finds the first value JSON cannot carry faithfully (NaN, Infinity, BigInt, functions, symbols,
 * undefined inside arrays, cycles). A plain walk keeps JSON.stringify on its fast path, which a
 * replacer callback would leave.
 */
function nonJson(value: unknown, path: string, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value)
        ? undefined
        : `${String(value)} at '${path}' is not a JSON number`;
    case 'object': {
      if (value === null) return undefined;
      if (depth > 64) return `'${path}' is nested too deeply (or is circular)`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) return `undefined at '${path}[${i}]'`;
          const problem = nonJson(value[i], `${path}[${i}]`, depth + 1);
          if (problem) return problem;
        }
        return undefined;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (child === undefined) continue;
        const problem = nonJson(child, path ? `${path}.${key}` : key, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'undefined':
      return `undefined at '${path}'`;
    default:
      return `a ${typeof value} at '${path}' is not JSON`;
  }
}
