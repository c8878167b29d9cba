/** Past this, a worker that ran out of its bounded heap starts over with V8's own limit. */
const MAX_BOUNDED_OLD_GENERATION_MB = 1_024;

/**
 * Runs work on workers whose old generation is bounded to `firstMb`: when one runs out of it
 * (`ERR_WORKER_OUT_OF_MEMORY`), `startingOver` is told (and awaited), and the work runs again with
 * twice as much, up to `MAX_BOUNDED_OLD_GENERATION_MB`, then once more with V8's own limit
 * (`undefined`). Any other error ends it.
 */
export async function withGrowingHeap<T>(
  firstMb: number,
  run: (oldGenerationMb: number | undefined) => Promise<T>,
  startingOver: (ranOutOfMb: number, nextMb: number | undefined) => Promise<void> | void,
): Promise<T> {
  let oldGenerationMb: number | undefined = firstMb;
  for (;;) {
    try {
      return await run(oldGenerationMb);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw error;
      if (oldGenerationMb === undefined) throw error;
      const next: number | undefined =
        oldGenerationMb >= MAX_BOUNDED_OLD_GENERATION_MB ? undefined : oldGenerationMb * 2;
      await startingOver(oldGenerationMb, next);
      oldGenerationMb = next;
    }
  }
}

/** "512 MB", or "V8's own limit" for an unbounded heap. */
export function describeBound(mb: number | undefined): string {
  return mb === undefined ? "V8's own limit" : `${mb} MB`;
}
