import { describe, expect, test } from '@jest/globals';
import type { FileEntry } from '../../../src/layers/manifest.js';
import { compareFileLists, describeDifference } from '../../../src/layers/reproduce.js';

const file = (path: string, sha: string, size = 3, mtime = 1): FileEntry => ({
  path,
  type: 'file',
  size,
  mtime,
  sha256: sha.repeat(64).slice(0, 64),
});

describe('compareFileLists', () => {
  test('the same files at other times are the same', () => {
    const a = [{ path: 'lib', type: 'dir' as const }, file('lib/a', 'a', 3, 10)];
    const b = [{ path: 'lib', type: 'dir' as const }, file('lib/a', 'a', 3, 99)];
    expect(compareFileLists(a, b)).toEqual([]);
  });

  test('content, presence, type and link targets differ, in path order', () => {
    const a: FileEntry[] = [
      file('b', 'b'),
      file('a', 'a'),
      { path: 'l', type: 'symlink', target: 'a' },
      file('only-first', 'c'),
      file('t', 'd'),
    ];
    const b: FileEntry[] = [
      file('a', 'e'),
      file('b', 'b'),
      { path: 'l', type: 'symlink', target: 'b' },
      file('only-second', 'c'),
      { path: 't', type: 'dir' },
    ];
    const diffs = compareFileLists(a, b).map((d) => d.path);
    expect(diffs).toEqual(['a', 'l', 'only-first', 'only-second', 't']);
  });

  test('a difference is described with both sides', () => {
    const [d] = compareFileLists([file('x', 'a')], [file('x', 'b', 4)]);
    expect(describeDifference(d!)).toBe('x: file 3 aaaaaaaaaaaa / file 4 bbbbbbbbbbbb');
    const [gone] = compareFileLists([file('x', 'a')], []);
    expect(describeDifference(gone!)).toBe('x: file 3 aaaaaaaaaaaa / absent');
  });
});
