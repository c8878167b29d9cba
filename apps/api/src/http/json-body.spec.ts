import { BODY_SHAPE_LIMITS, findShapeProblem } from './json-body';

describe('body shape guard', () => {
  const nest = (depth: number): unknown => {
    let value: unknown = [];
    for (let i = 0; i < depth; i += 1) value = [value];
    return value;
  };

  it('passes ordinary bodies', () => {
    expect(
      findShapeProblem({ pii: { name: 'Zoë 👩‍🔧', email: 'a@example.com' }, tags: [1, 2, 3] }),
    ).toBeUndefined();
  });

  it('names a non-finite number (JSON 1e309 parses to Infinity)', () => {
    expect(findShapeProblem(JSON.parse('{"scores":{"nps":1e309}}') as object)).toEqual({
      field: 'scores.nps',
      messages: ['scores.nps must be a finite number'],
    });
  });

  it('refuses a 5,000-deep array in any field without recursing', () => {
    const problem = findShapeProblem({ unknown: nest(5000) });
    expect(problem?.messages).toEqual([
      `The body is nested deeper than ${BODY_SHAPE_LIMITS.depth} levels`,
    ]);
  });

  it('refuses arrays and bodies too large to validate cheaply', () => {
    expect(findShapeProblem({ types: new Array(1001).fill('A') })?.field).toBe('types');
    const wide = Object.fromEntries(
      Array.from({ length: 900 }, (_, i) => [`k${i}`, new Array(30).fill(0)]),
    );
    expect(findShapeProblem(wide)?.messages[0]).toMatch(/more than 20000 values/);
  });

  it('refuses lone surrogates in values and keys', () => {
    expect(findShapeProblem({ pii: { email: 'a\ud800@example.com' } })?.field).toBe('pii.email');
    expect(findShapeProblem({ ['\udc00']: 1 })?.messages[0]).toMatch(/key with an unpaired/);
  });

  it('refuses NUL characters in values and keys (PostgreSQL cannot store them)', () => {
    expect(findShapeProblem({ defect: { code: 'E\u00001' } })).toEqual({
      field: 'defect.code',
      messages: ['defect.code holds a NUL character (U+0000)'],
    });
    expect(findShapeProblem({ byCategory: { ['tv\u0000']: 1 } })?.field).toBe('byCategory');
  });

  it('refuses prototype keys as JSON.parse leaves them (own properties), nested ones included', () => {
    expect(findShapeProblem(JSON.parse('{"nps":9,"__proto__":{"admin":true}}') as object)).toEqual({
      field: '__proto__',
      messages: ['The body may not hold a key named __proto__'],
    });
    const nested = JSON.parse('{"pii":{"constructor":{"prototype":{"admin":true}}}}') as object;
    expect(findShapeProblem(nested)?.field).toBe('pii.constructor.prototype');
    expect(findShapeProblem({ constructor: 'a word', prototype: 'another' })).toBeUndefined();
  });
});
