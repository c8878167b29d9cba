import {
  followUpTasksProjection,
  type FollowUpTaskView,
  keptRate,
  promiseRatesByAgentProjection,
  promiseRatesByQueueProjection,
  type PromiseRate,
  promisesProjection,
  type PromiseView,
} from '@aftercare/projections';
import type { ColumnCondition, ReadModelStore } from '@aftercare/read-models';

export type TaskListStatus = 'open' | 'done' | 'overdue';

export interface TaskListQuery {
  queue?: string;
  owner?: string;
  customerId?: string;
  /** Due strictly before this instant (ISO 8601, UTC). */
  dueBefore?: string;
  /** `overdue`: open and past its due time when the sweep last ran. Default: every status. */
  status?: TaskListStatus;
  limit?: number;
  after?: string;
}

export interface PromiseListQuery {
  agent?: string;
  queue?: string;
  customerId?: string;
  dueBefore?: string;
  status?: PromiseView['status'];
  limit?: number;
  after?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A promise with where it came from: made during a follow-up task, the playbook version that
 * planned the task and the event that caused it; made outside any task, both null (an agent's
 * own commitment, recorded with its agent and time).
 */
export interface PromiseListItem extends PromiseView {
  playbook: FollowUpTaskView['playbook'];
  cause: FollowUpTaskView['cause'];
}

export interface KeptRateRow extends PromiseRate {
  /** Kept share of the settled promises; null before any is settled. */
  keptRate: number | null;
}

/** The worklist: tasks and promises from their read models, due soonest first, keyset-paged. */
export class FollowUpQueries {
  constructor(private readonly readModels: ReadModelStore) {}

  async tasks(query: TaskListQuery): Promise<Page<FollowUpTaskView>> {
    const where: ColumnCondition[] = [];
    if (query.queue !== undefined) where.push({ column: 'queue', op: '=', value: query.queue });
    if (query.owner !== undefined) where.push({ column: 'ownerId', op: '=', value: query.owner });
    if (query.customerId !== undefined) {
      where.push({ column: 'customerId', op: '=', value: query.customerId });
    }
    if (query.dueBefore !== undefined) {
      where.push({ column: 'dueAt', op: '<', value: query.dueBefore });
    }
    if (query.status === 'overdue') {
      where.push({ column: 'status', op: '=', value: 'open' });
      where.push({ column: 'overdue', op: '=', value: 1 });
    } else if (query.status !== undefined) {
      where.push({ column: 'status', op: '=', value: query.status });
    }
    return this.page<FollowUpTaskView>(followUpTasksProjection.name, where, query);
  }

  async task(taskId: string): Promise<FollowUpTaskView | undefined> {
    const stored = await this.readModels.get<FollowUpTaskView>(
      followUpTasksProjection.name,
      taskId,
    );
    return stored && stored.state.kind !== null ? stored.state : undefined;
  }

  async promises(query: PromiseListQuery): Promise<Page<PromiseListItem>> {
    const where: ColumnCondition[] = [];
    if (query.agent !== undefined) where.push({ column: 'agentId', op: '=', value: query.agent });
    if (query.queue !== undefined) where.push({ column: 'queue', op: '=', value: query.queue });
    if (query.customerId !== undefined) {
      where.push({ column: 'customerId', op: '=', value: query.customerId });
    }
    if (query.dueBefore !== undefined) {
      where.push({ column: 'dueAt', op: '<', value: query.dueBefore });
    }
    if (query.status !== undefined) where.push({ column: 'status', op: '=', value: query.status });
    const page = await this.page<PromiseView>(promisesProjection.name, where, query);
    const tasks = new Map<string, FollowUpTaskView | undefined>();
    for (const p of page.items) {
      if (p.taskId !== null && !tasks.has(p.taskId)) tasks.set(p.taskId, await this.task(p.taskId));
    }
    return {
      items: page.items.map((p) => {
        const task = p.taskId === null ? undefined : tasks.get(p.taskId);
        return { ...p, playbook: task?.playbook ?? null, cause: task?.cause ?? null };
      }),
      nextCursor: page.nextCursor,
    };
  }

  /** Made, kept and broken promises with the kept rate, per agent or per queue. */
  async keptRates(by: 'agent' | 'queue', limit = 100, after?: string): Promise<Page<KeptRateRow>> {
    const name =
      by === 'agent' ? promiseRatesByAgentProjection.name : promiseRatesByQueueProjection.name;
    const page = await this.readModels.list<PromiseRate>(name, {
      orderBy: 'key',
      limit,
      ...(after ? { after } : {}),
    });
    return {
      items: page.items.map(({ state }) => ({ ...state, keptRate: keptRate(state) })),
      nextCursor: page.nextCursor ?? null,
    };
  }

  private async page<T>(
    name: string,
    where: ColumnCondition[],
    query: { limit?: number; after?: string },
  ): Promise<Page<T>> {
    const page = await this.readModels.list<T>(name, {
      where,
      orderBy: 'dueAt',
      limit: query.limit ?? 50,
      ...(query.after ? { after: query.after } : {}),
    });
    return { items: page.items.map((i) => i.state), nextCursor: page.nextCursor ?? null };
  }
}
