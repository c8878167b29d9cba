import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/**
 * Line-oriented output file that honours back-pressure, so exports run in constant memory. The
 * file is opened when the sink is made, so a path that cannot be written fails before any work;
 * a write that fails later (a full disk) fails the next write or the close, never silently.
 */
export class FileSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(path: string) {
    this.stream = createWriteStream(path, { fd: openSync(path, 'w'), encoding: 'utf8' });
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async writeLine(line: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(line + '\n')) await once(this.stream, 'drain');
  }

  /** Flushes and closes; rejects if any write failed. */
  async close(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }
}

/** RFC 4180 field quoting. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}
