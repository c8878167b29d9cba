import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parseOutputFileOption } from './cli-options';

describe('--out', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aftercare-out-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a new file in an existing folder', () => {
    expect(parseOutputFileOption(join(dir, 'export.ndjson'))).toBe(join(dir, 'export.ndjson'));
  });

  it('refuses a folder that does not exist, and a folder given as the file, as usage errors', () => {
    expect(() => parseOutputFileOption(join(dir, 'missing', 'x.ndjson'))).toThrow(
      InvalidArgumentError,
    );
    expect(() => parseOutputFileOption(dir)).toThrow(/is a directory/);
  });
});
