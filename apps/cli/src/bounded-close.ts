/** How long a command waits for its application (stores, pools, clients) to close. */
export const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Runs `work`, then `close`, and settles as `work` did: its result, or its error. A close that
 * has not settled within `timeoutMs` is given up with a warning, so that the command still ends
 * with its answer or its error and exit code: a close that never settles (the EventStoreDB
 * client's `dispose()` can wait for ever for a cancelled read) leaves nothing pending, and Node
 * would exit 0 without printing the error the command had raised. A close that fails fails the
 * command, unless the command had failed already: then its own error is the one reported.
 */
export async function runThenClose<T>(
  work: () => Promise<T>,
  close: () => Promise<void>,
  warn: (message: string) => void,
  timeoutMs = CLOSE_TIMEOUT_MS,
): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<{ timedOut: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
  });
  const closed = close().then(
    () => ({ timedOut: false as const }),
    (error: unknown) => ({ timedOut: false as const, error }),
  );
  const closing: { timedOut: boolean; error?: unknown } = await Promise.race([closed, gaveUp]);
  clearTimeout(timer);
  if (closing.timedOut) {
    warn(`the stores did not close within ${timeoutMs / 1000} s; ending without waiting`);
  }
  if (!outcome.ok) {
    if (closing.error !== undefined) warn(`closing failed too: ${describe(closing.error)}`);
    throw outcome.error;
  }
  if (closing.error !== undefined) throw closing.error;
  return outcome.value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
