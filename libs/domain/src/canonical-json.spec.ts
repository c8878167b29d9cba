import { canonicalJson, sha256Hex } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, keeps arrays in order', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: undefined }, e: 'x' }),
    ).toBe('{"a":{"d":[3,1,{"y":null,"z":true}]},"b":1,"e":"x"}');
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
