import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvRow, FileSink } from './file-sink';

describe('FileSink', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aftercare-sink-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes lines in order and closes', async () => {
    const sink = new FileSink(join(dir, 'out.csv'));
    await sink.writeLine(csvRow(['a', 'b,c', 'say "hi"']));
    await sink.writeLine(csvRow([1, null, { x: 1 }]));
    await sink.close();
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe(
      'a,"b,c","say ""hi"""\n1,,"{""x"":1}"\n',
    );
  });

  it('refuses a path it cannot open before anything is written', () => {
    expect(() => new FileSink(join(dir, 'missing', 'out.ndjson'))).toThrow(/ENOENT/);
  });

  it('fails the export when the disk refuses the bytes, instead of ending as if it had written them', async () => {
    // /dev/full accepts the open and refuses every write with ENOSPC.
    const sink = new FileSink('/dev/full');
    const line = 'x'.repeat(1024);
    const written = (async () => {
      for (let i = 0; i < 200; i++) await sink.writeLine(line);
      await sink.close();
    })();
    await expect(written).rejects.toThrow(/ENOSPC/);
  });
});
