import type { EventStore } from '@aftercare/event-store';
import type { ClvModelFittedData } from '@aftercare/projections';
import type { ColumnCondition, ListQuery, StoredState } from '@aftercare/read-models';
import { CustomerQueries, type ReadModelQueries } from './customer-queries';

/** The CLV read model as the store answers it: fits filtered, sorted and limited by `fittedAt`. */
class FitsReadModel implements ReadModelQueries {
  fits: ClvModelFittedData[] = [];
  checkpoint = 1n;
  lists = 0;

  add(fitId: string, occurredAt: string): void {
    this.fits.push({ fitId, occurredAt, currency: 'EUR' } as ClvModelFittedData);
    this.checkpoint++;
  }

  async get(): Promise<undefined> {
    return undefined;
  }

  async list<State>(_name: string, query: ListQuery = {}) {
    this.lists++;
    const until = (query.where as ColumnCondition[])[0].value as string;
    const items = this.fits
      .filter((fit) => fit.occurredAt <= until)
      .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
      .slice(0, query.limit)
      .map((fit, i) => ({ key: fit.fitId, state: fit, position: BigInt(i) }));
    return { items: items as unknown as StoredState<State>[] };
  }

  async getStatus() {
    return { checkpoint: this.checkpoint, epoch: 1 };
  }
}

describe('customer queries: the CLV fit a view uses', () => {
  const now = '2026-12-02T10:00:00.000Z';

  it('reads the fits once per change of the read model, and answers every instant as the store would', async () => {
    const readModel = new FitsReadModel();
    readModel.add('fit-1', '2026-06-01T00:00:00.000Z');
    const queries = new CustomerQueries({} as EventStore, readModel);

    expect((await queries.fitAt(now, 'EUR'))?.fitId).toBe('fit-1');
    expect((await queries.fitAt('2026-12-02T10:00:01.000Z', 'EUR'))?.fitId).toBe('fit-1');
    expect(readModel.lists).toBe(1);

    // A refit moves the read model: the next view sees it.
    readModel.add('fit-2', '2026-12-01T00:00:00.000Z');
    expect((await queries.fitAt(now, 'EUR'))?.fitId).toBe('fit-2');
    expect(readModel.lists).toBe(2);

    // Before the latest fit (an as-of view), the fit in force then.
    expect((await queries.fitAt('2026-07-01T00:00:00.000Z', 'EUR'))?.fitId).toBe('fit-1');
    expect(await queries.fitAt('2026-01-01T00:00:00.000Z', 'EUR')).toBeNull();
  });
});
