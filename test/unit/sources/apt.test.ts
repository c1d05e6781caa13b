import { describe, expect, test } from '@jest/globals';
import { backportsPreferences, missingLists } from '../../../src/sources/apt.js';

const mirror = 'deb.debian.org_debian_dists';

describe('missingLists', () => {
  test('an update that left both indexes is complete', () => {
    const files = [
      `${mirror}_bookworm_InRelease`,
      `${mirror}_bookworm_main_binary-amd64_Packages.lz4`,
      `${mirror}_bookworm_main_source_Sources.lz4`,
    ];
    expect(missingLists(files, 'bookworm')).toEqual([]);
  });

  test('an update that failed part way (only InRelease, or partial/) is not', () => {
    expect(missingLists([`${mirror}_bookworm_InRelease`, 'partial', 'lock'], 'bookworm')).toEqual([
      'Packages',
      'Sources',
    ]);
    expect(missingLists([`${mirror}_bookworm_main_source_Sources`], 'bookworm')).toEqual([
      'Packages',
    ]);
  });

  test("another suite's lists do not count", () => {
    const files = [
      `${mirror}_trixie_main_binary-amd64_Packages`,
      `${mirror}_trixie_main_source_Sources`,
    ];
    expect(missingLists(files, 'bookworm')).toEqual(['Packages', 'Sources']);
  });

  test("a suite's backports need their Packages, not their Sources", () => {
    const files = [
      `${mirror}_trixie_main_binary-amd64_Packages`,
      `${mirror}_trixie_main_source_Sources`,
    ];
    expect(missingLists(files, 'trixie', ['trixie-backports'])).toEqual([
      'trixie-backports Packages',
    ]);
    files.push(`${mirror}_trixie-backports_main_binary-amd64_Packages.lz4`);
    expect(missingLists(files, 'trixie', ['trixie-backports'])).toEqual([]);
  });
});

describe('backportsPreferences', () => {
  test("takes every binary of the named source packages from the backports, above the suite's", () => {
    expect(backportsPreferences('trixie-backports', ['rustc', 'llvm-toolchain-21'])).toBe(
      'Package: src:rustc\nPin: release n=trixie-backports\nPin-Priority: 990\n\n' +
        'Package: src:llvm-toolchain-21\nPin: release n=trixie-backports\nPin-Priority: 990\n',
    );
  });
});
