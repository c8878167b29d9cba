import { hostname } from 'node:os';

/** Lease owners (engine instance ids) of the runtimes alive in this process. */
const inThisProcess = new Set<string>();

/** Marks a runtime of this process alive until the returned function is called (its shutdown). */
export function markLeaseOwnerLive(owner: string): () => void {
  inThisProcess.add(owner);
  return () => inThisProcess.delete(owner);
}

/**
 * Whether the holder of a lease is still running, as far as this process can tell. Owners are
 * `host:pid:random`. On this host: the owner is alive if it is a runtime of this process, or
 * another process with that pid exists; an owner with this process's pid that is not one of its
 * runtimes is an earlier incarnation (a container restarted after kill -9 gets the same pid), so
 * it stopped. On another host it is taken as alive: its lease expires by itself if it is not.
 */
export function leaseOwnerState(owner: string | undefined): 'none' | 'live' | 'stopped' {
  if (owner === undefined) return 'none';
  if (inThisProcess.has(owner)) return 'live';
  const match = /^(.*):(\d+):[^:]+$/.exec(owner);
  if (!match || match[1] !== hostname()) return 'live';
  const pid = Number(match[2]);
  if (pid === process.pid) return 'stopped';
  try {
    process.kill(pid, 0);
    return 'live';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'live' : 'stopped';
  }
}
