import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerClvCommand } from './clv.command';

const sample = resolve(__dirname, '../../../..', 'test/fixtures/cdnow/CDNOW_sample.txt');

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `aftercare <args>` in-process on a fresh command tree with captured output. */
async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const program = new Command('aftercare').exitOverride().configureOutput({
    writeOut: (text) => (stdout += text),
    writeErr: (text) => (stderr += text),
  });
  registerClvCommand(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.exitCode, stdout, stderr };
    throw error;
  }
}

const fit = (...extra: string[]): string[] => [
  'clv',
  'fit',
  '--calibration-end',
  '1997-09-30',
  '--horizon-weeks',
  '39',
  ...extra,
];

describe('aftercare clv fit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-clv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fits the CDNOW sample and prints one JSON object with the published parameters', async () => {
    const result = await run(fit('--input', sample, '--format', 'cdnow', '--json'));
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const output = JSON.parse(result.stdout) as {
      bgnbd: Record<string, number>;
      gammaGamma: Record<string, number>;
      customers: Record<string, number | string>[];
    };
    // The output contract, key for key.
    expect(Object.keys(output)).toEqual(['bgnbd', 'gammaGamma', 'customers']);
    expect(Object.keys(output.bgnbd).sort()).toEqual(['a', 'alpha', 'b', 'logLikelihood', 'r']);
    expect(output.bgnbd.r).toBeCloseTo(0.243, 2);
    expect(output.bgnbd.alpha).toBeCloseTo(4.414, 2);
    expect(output.bgnbd.a).toBeCloseTo(0.793, 2);
    expect(output.bgnbd.b).toBeCloseTo(2.426, 2);
    expect(Math.abs(output.bgnbd.logLikelihood - -9582.4)).toBeLessThan(0.1);
    expect(output.gammaGamma.p).toBeCloseTo(6.25, 1);
    expect(output.gammaGamma.q).toBeCloseTo(3.74, 1);
    expect(output.gammaGamma.gamma).toBeCloseTo(15.44, 1);
    expect(Object.keys(output.gammaGamma)).toContain('logLikelihood');
    expect(output.customers).toHaveLength(2357);
    const first = output.customers[0];
    expect(Object.keys(first).sort()).toEqual(
      [
        'id',
        'x',
        'tx',
        'T',
        'monetary',
        'pAlive',
        'expectedTransactions',
        'expectedAverageValue',
        'clv',
      ].sort(),
    );
    expect(first.id).toBe('0001');
    expect(first.x).toBe(2);
    expect(first.expectedTransactions).toBeCloseTo(1.226, 3);
    // Undiscounted: CLV is expected purchases times expected order value.
    expect(first.clv).toBeCloseTo(
      Number(first.expectedTransactions) * Number(first.expectedAverageValue),
      9,
    );
  });

  it('discounts CLV when given a rate, and prints a summary without --json', async () => {
    const result = await run(fit('--input', sample, '--format', 'cdnow', '--discount-rate', '0.1'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/2357 customers/);
    expect(result.stdout).toMatch(/BG\/NBD\s+r=0\.24\d+ alpha=4\.41\d+/);
    expect(result.stdout).toMatch(/Gamma-Gamma p=6\.2\d+ q=3\.7\d+ gamma=15\.4\d+/);
  });

  it('reads the csv layout, and refuses a fit three customers cannot identify, with the reason', async () => {
    const file = join(dir, 'tx.csv');
    writeFileSync(
      file,
      'customer_id,date,amount\na,1997-01-01,10\na,1997-02-01,20\nb,1997-01-05,5\nb,1997-03-01,7\nc,1997-02-02,9\n',
    );
    const result = await run(fit('--input', file, '--format', 'csv', '--json'));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/fit refused: .* went to a degenerate limit/);
  });

  it('reports a malformed line with its number and exits with 2', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(
      file,
      ' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00004 0001 1997-08-02  1   14.96\n',
    );
    const result = await run(fit('--input', file, '--format', 'cdnow', '--json'));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/line 3/);
  });

  it.each([
    [
      'a missing file',
      fit('--input', '/nonexistent/cdnow.txt', '--format', 'cdnow'),
      /cannot read/,
    ],
    ['an unknown format', fit('--input', sample, '--format', 'xml'), /xml/],
    [
      'a bad calibration date',
      [
        'clv',
        'fit',
        '--input',
        sample,
        '--format',
        'cdnow',
        '--calibration-end',
        '1997-02-30',
        '--horizon-weeks',
        '39',
      ],
      /1997-02-30/,
    ],
    [
      'a bad horizon',
      [
        'clv',
        'fit',
        '--input',
        sample,
        '--format',
        'cdnow',
        '--calibration-end',
        '1997-09-30',
        '--horizon-weeks',
        '-3',
      ],
      /-3/,
    ],
    [
      'a missing option',
      ['clv', 'fit', '--input', sample, '--calibration-end', '1997-09-30', '--horizon-weeks', '39'],
      /--format/,
    ],
    [
      'no customers before the calibration end',
      fit('--input', sample, '--format', 'csv'),
      /header/,
    ],
  ])('rejects %s with exit code 2 and a message', async (_case, args, message) => {
    const result = await run(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
