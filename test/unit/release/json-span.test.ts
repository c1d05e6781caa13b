import { findJsonString } from '../../../src/release/json-span.js';

describe('findJsonString', () => {
  const lock = `{
  "name": "faasm-python",
  "version": "0.1.0",
  "lockfileVersion": 3,
  "packages": {
    "": { "name": "faasm-python", "version": "0.1.0", "bin": ["a", "b"] },
    "node_modules/x": { "version": "9.9.9", "dev": true, "n": -1.5e3, "z": null }
  }
}
`;

  test('finds the value at a path, including an empty key, by offsets into the text', () => {
    const top = findJsonString(lock, ['version']);
    const pkg = findJsonString(lock, ['packages', '', 'version']);
    const dep = findJsonString(lock, ['packages', 'node_modules/x', 'version']);
    expect(top?.value).toBe('0.1.0');
    expect(dep?.value).toBe('9.9.9');
    expect(pkg && lock.slice(pkg.start, pkg.end)).toBe('0.1.0');
    // The top-level match is the one on line 3, not the nested ones.
    expect(top && lock.slice(0, top.start).split('\n').length).toBe(3);
  });

  test('array elements and escapes', () => {
    const text = '{"a": ["x", "y\\"z"], "b": "q"}';
    expect(findJsonString(text, ['a', 1])?.value).toBe('y"z');
    expect(findJsonString(text, ['b'])?.value).toBe('q');
  });

  test('absent paths and non-strings are undefined', () => {
    expect(findJsonString(lock, ['nope'])).toBeUndefined();
    expect(findJsonString(lock, ['lockfileVersion'])).toBeUndefined();
    expect(findJsonString(lock, ['packages', 'node_modules/x', 'dev'])).toBeUndefined();
  });

  test('malformed JSON throws', () => {
    expect(() => findJsonString('{"a": "b",}', ['a'])).toThrow(SyntaxError);
    expect(() => findJsonString('{"a": "b"} x', ['a'])).toThrow(SyntaxError);
  });
});
