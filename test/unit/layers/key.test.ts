import { describe, expect, test } from '@jest/globals';
import { layerKey } from '../../../src/layers/key.js';
import { canonicalJson } from '../../../src/util/hash.js';

describe('layerKey', () => {
  const base = layerKey('wasm', { flags: ['-O2'], src: 'abc' }, { native: 'k1' });

  test('is stable for equal inputs regardless of key order', () => {
    expect(layerKey('wasm', { src: 'abc', flags: ['-O2'] }, { native: 'k1' })).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['a flag', layerKey('wasm', { flags: ['-O3'], src: 'abc' }, { native: 'k1' })],
    ['flag order', layerKey('wasm', { flags: ['-O2', '-g'], src: 'abc' }, { native: 'k1' })],
    ['a source hash', layerKey('wasm', { flags: ['-O2'], src: 'abd' }, { native: 'k1' })],
    ['a dependency key', layerKey('wasm', { flags: ['-O2'], src: 'abc' }, { native: 'k2' })],
    ['the layer name', layerKey('func', { flags: ['-O2'], src: 'abc' }, { native: 'k1' })],
  ])('changes with %s', (_what, other) => {
    expect(other).not.toBe(base);
  });

  test('canonical JSON sorts nested keys but keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 0 } })).toBe('{"a":{"c":0,"d":[2,1]},"b":1}');
  });
});
