/** Where a read model stands: its projection's checkpoint (the runtime's store answers it). */
export interface ReadModelStatuses {
  getStatus(name: string): Promise<{ checkpoint: bigint | undefined; epoch: number } | undefined>;
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
    const status = await this.statuses?.getStatus(this.readModel);
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
