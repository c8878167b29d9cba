import { generateWorld } from './world.generator';
import type { WorldBatch } from './world.model';

const OPTIONS = { customers: 150, seed: 'promises', maxBatchEvents: 10_000 };

const batches = (promises: boolean): WorldBatch[] => [...generateWorld({ ...OPTIONS, promises })];

describe('simulated promises', () => {
  const without = batches(false);
  const withPromises = batches(true);
  const promiseBatches = withPromises.filter((b) => b.streamId.startsWith('promise-'));

  it('leave every other stream of the world as it was, and are off by default', () => {
    expect(without.some((b) => b.streamId.startsWith('promise-'))).toBe(false);
    const others = withPromises.filter((b) => !b.streamId.startsWith('promise-'));
    expect(others.map((b) => [b.streamId, b.events.map((e) => e.id)])).toEqual(
      without.map((b) => [b.streamId, b.events.map((e) => e.id)]),
    );
  });

  it('promise each acknowledged complaint a resolution in 7 days: kept when resolved by then, else broken', () => {
    const acknowledged = new Map<string, string>();
    const resolved = new Map<string, string>();
    for (const b of without) {
      for (const e of b.events) {
        const d = e.data as { complaintId?: string; occurredAt: string; agentId?: string };
        if (e.type === 'ComplaintAcknowledged' && d.agentId && !acknowledged.has(d.complaintId!)) {
          acknowledged.set(d.complaintId!, d.occurredAt);
        }
        if (e.type === 'ComplaintResolved' && !resolved.has(d.complaintId!)) {
          resolved.set(d.complaintId!, d.occurredAt);
        }
      }
    }
    expect(promiseBatches.length).toBe(acknowledged.size);
    expect(promiseBatches.length).toBeGreaterThan(0);
    let kept = 0;
    let broken = 0;
    for (const b of promiseBatches) {
      const complaintId = b.streamId.slice('promise-pr-'.length);
      const made = b.events[0].data as { dueAt: string; occurredAt: string };
      expect(made.occurredAt).toBe(acknowledged.get(complaintId));
      const due = Date.parse(made.dueAt);
      const resolvedAt = resolved.get(complaintId);
      const onTime = resolvedAt !== undefined && Date.parse(resolvedAt) <= due;
      const last = b.events[b.events.length - 1];
      if (onTime) {
        expect(last.type).toBe('PromiseKept');
        kept++;
      } else if (b.events.length > 1) {
        expect(last).toMatchObject({ type: 'PromiseBroken', data: { reason: 'overdue' } });
        broken++;
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(broken).toBeGreaterThan(0);
  });

  it('is deterministic', () => {
    expect(batches(true).filter((b) => b.streamId.startsWith('promise-'))).toEqual(promiseBatches);
  });
});
