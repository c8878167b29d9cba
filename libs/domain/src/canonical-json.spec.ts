import fc from 'fast-check';
import { canonicalJson, sha256Hex } from './canonical-json';

/** The definition, written plainly: keys sorted with Array.prototype.sort at every depth. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => reference(item ?? null)).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, keeps arrays in order', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: undefined }, e: 'x' }),
    ).toBe('{"a":{"d":[3,1,{"y":null,"z":true}]},"b":1,"e":"x"}');
  });

  it('writes any JSON value as the plain definition does, small objects and large', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('a', 'b', 'B', '10', '9', 'é', '\u{1f600}'));
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('json'), { maxLength: 4 }),
        fc.dictionary(key, tie('json'), { maxKeys: 24 }),
      ),
    })).json;
    fc.assert(
      fc.property(value, (v) => expect(canonicalJson(v)).toBe(reference(v))),
      { numRuns: 400 },
    );
  });

  it('encodes undefined array items as null, like JSON.stringify', () => {
    expect(canonicalJson([1, undefined])).toBe('[1,null]');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'é\n' })).toBe('{"k\\"":"é\\n"}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });

  it('hashes with sha256 hex', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
