import { AppendGroups, MAX_GROUP, type SingleAppend } from './postgres.append-groups';

interface Sent {
  kind: 'one' | 'group';
  streams: string[];
  finish: () => void;
  fail: (error: unknown) => void;
}

/** Groups whose round trips the test completes by hand; each append's result is its stream id. */
function harness(maxInFlight: number) {
  const sent: Sent[] = [];
  const round = <T>(kind: Sent['kind'], appends: SingleAppend[], value: () => T) =>
    new Promise<T>((resolve, reject) => {
      sent.push({
        kind,
        streams: appends.map((a) => a.streamId),
        finish: () => resolve(value()),
        fail: reject,
      });
    });
  const groups = new AppendGroups<SingleAppend, string>(
    maxInFlight,
    (append) => round('one', [append], () => append.streamId),
    (appends) =>
      round('group', appends, () =>
        appends.map((a) =>
          a.expected === 'refuse'
            ? { status: 'rejected' as const, reason: new Error(`refused ${a.streamId}`) }
            : { status: 'fulfilled' as const, value: a.streamId },
        ),
      ),
  );
  const append = (streamId: string, expected = 'any') => groups.append({ streamId, expected });
  return { sent, append };
}

/** Until the next group has been formed: the answers' callbacks, then the turn of the loop. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('AppendGroups', () => {
  it('sends an append alone and at once while a round trip is free', async () => {
    const { sent, append } = harness(2);
    const first = append('a');
    const second = append('b');
    expect(sent.map((s) => [s.kind, s.streams])).toEqual([
      ['one', ['a']],
      ['one', ['b']],
    ]);
    sent[0].finish();
    sent[1].finish();
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
  });

  it('sends the appends that waited together, ordered by stream, each answered on its own', async () => {
    const { sent, append } = harness(1);
    const busy = append('busy');
    const waiting = [append('c'), append('a', 'refuse'), append('b'), append('a')];
    expect(sent).toHaveLength(1);
    sent[0].finish();
    await busy;
    await settle();
    expect(sent).toHaveLength(2);
    // Two appends to one stream keep the order they were asked in.
    expect(sent[1]).toMatchObject({ kind: 'group', streams: ['a', 'a', 'b', 'c'] });
    sent[1].finish();
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      'c',
      'Error: refused a',
      'b',
      'a',
    ]);
  });

  it('waits for the callers just answered to ask again before forming the next group', async () => {
    const { sent, append } = harness(1);
    const callers = ['x', 'y', 'z'].map(async (stream) => {
      await append(stream);
      return append(`${stream}2`);
    });
    expect(sent[0]).toMatchObject({ kind: 'one', streams: ['x'] });
    sent[0].finish();
    await settle();
    // x's caller asked again as soon as it was answered: x2 goes with those that waited.
    expect(sent[1]).toMatchObject({ kind: 'group', streams: ['x2', 'y', 'z'] });
    sent[1].finish();
    await settle();
    // Neither y2 nor z2 was sent alone ahead of the other.
    expect(sent[2]).toMatchObject({ kind: 'group', streams: ['y2', 'z2'] });
    sent[2].finish();
    await expect(Promise.all(callers)).resolves.toEqual(['x2', 'y2', 'z2']);
  });

  it('fails every append of a group whose round trip failed, and goes on with the next', async () => {
    const { sent, append } = harness(1);
    const busy = append('busy');
    const lost = [append('a'), append('b')];
    sent[0].finish();
    await busy;
    await settle();
    sent[1].fail(new Error('connection lost'));
    await expect(Promise.allSettled(lost)).resolves.toEqual([
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('connection lost') },
    ]);
    const next = append('c');
    await settle();
    sent[2].finish();
    await expect(next).resolves.toBe('c');
  });

  it(`sends at most ${MAX_GROUP} appends in one round trip`, async () => {
    const { sent, append } = harness(1);
    const all = [append('busy')];
    for (let i = 0; i < MAX_GROUP + 5; i++) all.push(append(`s${String(i).padStart(3, '0')}`));
    sent[0].finish();
    await settle();
    expect(sent[1].streams).toHaveLength(MAX_GROUP);
    sent[1].finish();
    await settle();
    expect(sent[2].streams).toHaveLength(5);
    sent[2].finish();
    await expect(Promise.all(all)).resolves.toHaveLength(MAX_GROUP + 6);
  });
});
