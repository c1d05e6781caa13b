import { describe, expect, test } from '@jest/globals';
import { missingLists } from '../../../src/sources/apt.js';

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
});
