/**
 * How a fold treats the objects it changes. `copying` copies an object before changing it, so the
 * state handed to `evolve` stays as it was (the projection's meaning, and what the live runtime,
 * as-of replays and caches rely on). `inPlace` changes the object itself: only for a fold that
 * owns every state it folds (a rebuild; see `Projection.evolveInPlace`). Both give the same keys
 * in the same order: a copy keeps its original's key order.
 */
export interface Ownership {
  /** The object to change: a copy of `value`, or `value` itself. */
  writable<T extends object>(value: T): T;
  /** `list` with `item` added at the end: a new array, or `list` itself. */
  append<T>(list: T[], item: T): T[];
}

export const copying: Ownership = {
  writable: (value) => ({ ...value }),
  append: (list, item) => [...list, item],
};

export const inPlace: Ownership = {
  writable: (value) => value,
  append: (list, item) => {
    list.push(item);
    return list;
  },
};

/**
 * An empty record for ids as keys (complaints by complaint id, setups by purchase id...). It is
 * the `{}` it looks like, in V8's dictionary mode from the start: an object literal gets a new
 * hidden class for each key it is given, shared only by objects given the same keys in the same
 * order, so with ids as keys every entry makes one more, slow to make and never freed (a rebuild
 * made hundreds of thousands). Deleting a property other than the last one turns an object into
 * a dictionary, and it stays one.
 */
export function idRecord<T>(): Record<string, T> {
  const record: Record<string, unknown> = { dictionary: true, mode: true };
  delete record.dictionary;
  delete record.mode;
  return record as Record<string, T>;
}

/**
 * `record` with `key` set to `value`, as `{ ...record, [key]: value }` sets it: added last when
 * new, and an own entry whatever the key (an id like `__proto__` is just an id).
 */
export function withEntry<T>(
  how: Ownership,
  record: Record<string, T>,
  key: string,
  value: T,
): Record<string, T> {
  const next = how.writable(record);
  if (key === '__proto__') {
    Object.defineProperty(next, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    next[key] = value;
  }
  return next;
}

/** `state` with `field` set to `value`. */
export function withField<S extends object, K extends keyof S>(
  how: Ownership,
  state: S,
  field: K,
  value: S[K],
): S {
  const next = how.writable(state);
  next[field] = value;
  return next;
}
