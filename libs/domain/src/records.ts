/**
 * The entry of `record` under `key`, own entries only. Records here are keyed by ids and names
 * the client chose (purchase ids, SKUs, product categories, defect codes); a plain object answers
 * `constructor`, `toString` or `__proto__` from Object.prototype, which made a complaint that was
 * never filed look filed, and a category named `constructor` a function of months.
 */
export function entryOf<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
