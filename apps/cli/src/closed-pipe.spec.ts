import { EventEmitter } from 'node:events';
import { closedPipeExitCode, endQuietlyOnClosedPipe } from './closed-pipe';

describe('a closed output pipe', () => {
  it('ends the command with the SIGPIPE status when the reader goes away', () => {
    const stdout = new EventEmitter();
    const exits: number[] = [];
    endQuietlyOnClosedPipe(stdout, (code) => exits.push(code));

    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));

    expect(exits).toEqual([closedPipeExitCode]);
  });

  it('still fails loudly on any other write error', () => {
    const stdout = new EventEmitter();
    const exits: number[] = [];
    endQuietlyOnClosedPipe(stdout, (code) => exits.push(code));

    expect(() =>
      stdout.emit('error', Object.assign(new Error('no space left'), { code: 'ENOSPC' })),
    ).toThrow('no space left');
    expect(exits).toEqual([]);
  });
});
