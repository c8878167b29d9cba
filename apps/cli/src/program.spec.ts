import type { buildProgram as BuildProgram } from './program';

/** Runs `aftercare <args>` in-process and returns what it printed. */
async function help(buildProgram: typeof BuildProgram, args: string[]): Promise<string> {
  let out = '';
  const program = buildProgram().configureOutput({ writeOut: (text) => (out += text) });
  await expect(program.parseAsync(args, { from: 'user' })).rejects.toMatchObject({
    code: expect.stringMatching(/^commander\.help/),
  });
  return out;
}

describe('aftercare --help', () => {
  it('lists every command without loading Nest, a store or the analytics', async () => {
    const heavy = [
      '@nestjs/core',
      '@aftercare/application',
      '@aftercare/event-store',
      '@aftercare/projections',
      '@aftercare/analytics',
    ];
    let buildProgram: typeof BuildProgram | undefined;
    jest.isolateModules(() => {
      for (const name of heavy) {
        jest.doMock(name, () => {
          throw new Error(`${name} was loaded for --help`);
        });
      }
      ({ buildProgram } = jest.requireActual<{ buildProgram: typeof BuildProgram }>('./program'));
    });
    const out = await help(buildProgram!, ['--help']);
    for (const name of heavy) jest.dontMock(name);
    for (const command of ['seed', 'customer', 'projections', 'clv', 'churn', 'audit', 'export']) {
      expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it("shows a command's own options, and says which are required", async () => {
    const { buildProgram } = jest.requireActual<{ buildProgram: typeof BuildProgram }>('./program');
    const out = await help(buildProgram, ['audit', 'report', '--help']);
    expect(out).toMatch(/--from <date>.*\(required\)/);
    expect(out).toMatch(/--format <format>/);
    expect(await help(buildProgram, ['help', 'customer'])).toMatch(/show \[options\] <id>/);
  });

  it('offers --no-progress on every long command that draws a progress bar', async () => {
    const { buildProgram } = jest.requireActual<{ buildProgram: typeof BuildProgram }>('./program');
    for (const command of [
      ['seed'],
      ['churn', 'evaluate'],
      ['clv', 'refit'],
      ['audit', 'verify'],
      ['export', 'events'],
      ['export', 'customers'],
      ['export', 'claims'],
    ]) {
      expect([command, await help(buildProgram, [...command, '--help'])]).toEqual([
        command,
        expect.stringMatching(/--no-progress +no progress bar/),
      ]);
    }
  });
});
