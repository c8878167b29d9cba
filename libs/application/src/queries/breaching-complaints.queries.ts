import { type ComplaintState, complaintQueue, complaintsProjection } from '@aftercare/projections';
import { decodeCursor, encodeCursor, type StoredState } from '@aftercare/read-models';
import { COMPLAINT_TARGETS, type ComplaintTarget } from '../signals/complaint-targets';
import type { ReadModelQueries } from './customer-queries';

const HOUR = 3_600_000;

export interface BreachingComplaint {
  complaintId: string;
  customerId: string;
  purchaseId: string | null;
  category: string;
  severity: string;
  filedAt: string;
  acknowledgedAt: string | null;
  /** When each target fell due (both clocks start at filing). */
  acknowledgeBy: string;
  resolveBy: string;
  /** The targets past at `now`: acknowledgement (not yet acknowledged) and/or resolution. */
  breached: ('acknowledgement' | 'resolution')[];
}

export interface BreachingComplaintPage {
  now: string;
  items: BreachingComplaint[];
  nextCursor: string | null;
}

/**
 * Open complaints past their handling targets, across every customer, oldest filing first, in
 * keyset pages. Each (severity, acknowledged) queue of the complaints read model is breaching
 * before one cut-off (now minus the acknowledgement target while unacknowledged, else minus the
 * resolution target), so a page is a merge of one indexed range per queue.
 */
export class BreachingComplaintQueries {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly clock: () => Date = () => new Date(),
    private readonly targets: Readonly<Record<string, ComplaintTarget>> = COMPLAINT_TARGETS,
  ) {}

  async page(options: { limit: number; cursor?: string }): Promise<BreachingComplaintPage> {
    const now = this.clock();
    if (options.cursor !== undefined) decodeCursor(options.cursor); // refuses a foreign cursor
    const ranges = Object.entries(this.targets).flatMap(([severity, target]) =>
      [false, true].map((acknowledged) => {
        const hours = acknowledged
          ? target.resolveWithinHours
          : Math.min(target.acknowledgeWithinHours, target.resolveWithinHours);
        return this.readModels.list<ComplaintState>(complaintsProjection.name, {
          where: [
            { column: 'queue', op: '=', value: complaintQueue(severity, acknowledged) },
            {
              column: 'filedAt',
              op: '<',
              value: new Date(now.getTime() - hours * HOUR).toISOString(),
            },
          ],
          orderBy: 'filedAt',
          // One more than a page: whether more follow is then known, not guessed.
          limit: options.limit + 1,
          after: options.cursor,
        });
      }),
    );
    const pages = await Promise.all(ranges);
    const merged = pages
      .flatMap((p) => p.items)
      .sort((a, b) => compare(filedAtOf(a), filedAtOf(b)) || compare(a.key, b.key));
    const items = merged.slice(0, options.limit);
    const more = merged.length > options.limit;
    const last = items.at(-1);
    return {
      now: now.toISOString(),
      items: items.map(({ state }) => this.breaching(state, now.getTime())),
      nextCursor: more && last ? encodeCursor(filedAtOf(last), last.key) : null,
    };
  }

  private breaching(c: ComplaintState, now: number): BreachingComplaint {
    const target = this.targets[c.severity!];
    const filed = Date.parse(c.filedAt!);
    const acknowledgeBy = filed + target.acknowledgeWithinHours * HOUR;
    const resolveBy = filed + target.resolveWithinHours * HOUR;
    const breached: BreachingComplaint['breached'] = [];
    if (c.acknowledgedAt === null && now > acknowledgeBy) breached.push('acknowledgement');
    if (now > resolveBy) breached.push('resolution');
    return {
      complaintId: c.complaintId,
      customerId: c.customerId!,
      purchaseId: c.purchaseId,
      category: c.category!,
      severity: c.severity!,
      filedAt: c.filedAt!,
      acknowledgedAt: c.acknowledgedAt,
      acknowledgeBy: new Date(acknowledgeBy).toISOString(),
      resolveBy: new Date(resolveBy).toISOString(),
      breached,
    };
  }
}

const filedAtOf = (row: StoredState<ComplaintState>): string =>
  String(complaintsProjection.columns!.filedAt(row.state));

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
