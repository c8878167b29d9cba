import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr, so stdout stays clean for JSON and CSV. cli-progress draws nothing
 * when stderr is not a terminal.
 */
export function progressBar(format: string, enabled = true): SingleBar | undefined {
  if (!enabled) return undefined;
  return new SingleBar(
    { format, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
}
