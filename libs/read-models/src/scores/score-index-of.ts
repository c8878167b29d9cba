import { PostgresReadModelStore } from '../postgres/postgres.read-model-store';
import type { ReadModelStore } from '../read-model-store';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import type { CustomerScoreIndex } from './customer-score-index';
import { PostgresCustomerScoreIndex } from './postgres.customer-score-index';
import { SqliteCustomerScoreIndex } from './sqlite.customer-score-index';

const indexes = new WeakMap<object, CustomerScoreIndex>();

/**
 * The score index beside a read-model store's tables (one instance per store), or undefined for
 * an object that only looks like a store (a test double).
 */
export function customerScoreIndexOf(
  readModels: ReadModelStore | object,
): CustomerScoreIndex | undefined {
  let index = indexes.get(readModels);
  if (index) return index;
  if (readModels instanceof SqliteReadModelStore)
    index = new SqliteCustomerScoreIndex(readModels.db);
  else if (readModels instanceof PostgresReadModelStore) {
    index = new PostgresCustomerScoreIndex(readModels.pool, readModels.schema);
  } else return undefined;
  indexes.set(readModels, index);
  return index;
}
