type Checkpoint = { checkpoint: bigint | undefined; epoch: number };

/** Where a read model stands: its projection's checkpoint (the runtime's store answers it). */
export interface ReadModelStatuses {
  getStatus(name: string): Promise<Checkpoint | undefined>;
  /** The checkpoint alone, where the store reads it more cheaply than the whole status. */
  getCheckpoint?(name: string): Promise<Checkpoint | undefined>;
}

/** The store's statuses when it answers them (the runtime's stores do; a test double may not). */
export function statusesOf(readModels: object | undefined): ReadModelStatuses | undefined {
  return readModels && typeof (readModels as Partial<ReadModelStatuses>).getStatus === 'function'
    ? (readModels as ReadModelStatuses)
    : undefined;
}

/**
 * Remembers a value computed from a read model until the read model moves: a report summed over a
 * whole read model is recomputed once per change, not once per request. The checkpoint is read
 * before the rows, so a change committed meanwhile only makes the next request compute again.
 */
export class CheckpointMemo<T> {
  private readonly values = new Map<string, { at: string; value: Promise<T> }>();

  constructor(
    private readonly statuses: ReadModelStatuses | undefined,
    private readonly readModel: string,
    /** Distinct queries remembered at once (the oldest is dropped first). */
    private readonly size = 16,
  ) {}

  async get(query: string, compute: () => Promise<T>): Promise<T> {
    const statuses = this.statuses;
    const status = await (statuses?.getCheckpoint
      ? statuses.getCheckpoint(this.readModel)
      : statuses?.getStatus(this.readModel));
    if (!status) return compute();
    const at = `${status.epoch}:${status.checkpoint ?? ''}`;
    const seen = this.values.get(query);
    if (seen?.at === at) return seen.value;
    const value = compute();
    this.values.delete(query);
    this.values.set(query, { at, value });
    if (this.values.size > this.size) this.values.delete(this.values.keys().next().value!);
    value.catch(() => this.values.get(query)?.value === value && this.values.delete(query));
    return value;
  }
}
