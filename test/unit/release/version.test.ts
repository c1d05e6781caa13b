import { UserError } from '../../../src/util/errors.js';
import {
  isPrerelease,
  nextVersion,
  parseVersion,
  toPep440,
  type BumpRequest,
} from '../../../src/release/version.js';

describe('nextVersion', () => {
  const cases: [string, BumpRequest, string][] = [
    ['0.1.0', { part: 'patch' }, '0.1.1'],
    ['0.1.0', { part: 'minor' }, '0.2.0'],
    ['0.1.9', { part: 'major' }, '1.0.0'],
    ['0.1.0', { part: 'minor', pre: 'rc' }, '0.2.0-rc.1'],
    ['0.1.0', { part: 'major', pre: 'beta' }, '1.0.0-beta.1'],
    ['0.2.0-rc.1', { pre: 'rc' }, '0.2.0-rc.2'],
    ['0.2.0-beta.3', { pre: 'rc' }, '0.2.0-rc.1'],
    // semver: bumping the part a pre-release is for releases it
    ['0.2.0-rc.2', { part: 'minor' }, '0.2.0'],
    ['1.0.0-rc.1', { part: 'major' }, '1.0.0'],
    ['0.2.0-rc.1', { part: 'patch', pre: 'rc' }, '0.2.1-rc.1'],
    ['0.1.0', { set: '0.3.0' }, '0.3.0'],
    ['0.1.0', { set: '1.0.0', pre: 'rc' }, '1.0.0-rc.1'],
    ['0.1.0', { set: '0.2.0-alpha.4' }, '0.2.0-alpha.4'],
  ];
  test.each(cases)('%s %j -> %s', (from, req, to) => {
    expect(nextVersion(from, req)).toBe(to);
  });

  const refused: [string, BumpRequest, RegExp][] = [
    ['0.1.0', {}, /Name the part to bump/],
    ['0.1.0', { pre: 'rc' }, /Name the part to bump/],
    ['0.1.0', { part: 'minor', set: '0.3.0' }, /only one/],
    ['0.1.0', { part: 'minor', pre: 'dev' }, /--pre takes alpha, beta or rc/],
    ['0.1.0', { set: '0.1' }, /not a semantic version/],
    ['0.1.0', { set: 'banana' }, /not a semantic version/],
    ['0.1.0', { set: '0.2.0+build.5' }, /not a semantic version/],
    ['0.1.0', { set: '0.2.0-foo.1' }, /Python version/],
    ['0.1.0', { set: '0.1.0' }, /not greater/],
    ['0.2.0', { set: '0.1.5' }, /not greater/],
    ['0.1.0', { set: '0.2.0-rc.1', pre: 'rc' }, /already names a pre-release/],
  ];
  test.each(refused)('%s %j is refused', (from, req, message) => {
    expect(() => nextVersion(from, req)).toThrow(UserError);
    expect(() => nextVersion(from, req)).toThrow(message);
  });
});

describe('parseVersion and PEP 440', () => {
  test('accepts X.Y.Z and X.Y.Z-<alpha|beta|rc>.N only', () => {
    expect(parseVersion('1.2.3')).toBe('1.2.3');
    expect(parseVersion('1.2.3-rc.4')).toBe('1.2.3-rc.4');
    for (const bad of ['v1.2.3', '1.2', '01.2.3', '1.2.3-rc', '1.2.3-rc.1.2', ' 1.2.3']) {
      expect(() => parseVersion(bad)).toThrow(UserError);
    }
  });

  test.each([
    ['0.1.0', '0.1.0'],
    ['0.2.0-rc.1', '0.2.0rc1'],
    ['1.0.0-beta.2', '1.0.0b2'],
    ['1.0.0-alpha.0', '1.0.0a0'],
  ])('%s is %s in pyproject.toml', (semver, pep) => {
    expect(toPep440(semver)).toBe(pep);
  });

  test('isPrerelease', () => {
    expect(isPrerelease('0.2.0-rc.1')).toBe(true);
    expect(isPrerelease('0.2.0')).toBe(false);
  });
});
