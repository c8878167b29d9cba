/**
 * The simulation clock of one customer: actions ordered by time, ties in scheduling order (so the
 * order, hence the history, is deterministic). A binary heap: a customer rarely has more than a few
 * dozen actions pending.
 */
export type Action = { at: number; seq: number; run: () => void };

export class ActionQueue {
  private readonly heap: Action[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: () => void): void {
    const heap = this.heap;
    const action: Action = { at, seq: this.seq++, run };
    let i = heap.push(action) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(action, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = action;
  }

  peek(): Action | undefined {
    return this.heap[0];
  }

  pop(): Action | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

function before(a: Action, b: Action): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
