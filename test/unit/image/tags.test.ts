import {
  imageBuildArgs,
  imageLabels,
  imageTags,
  isFloatingReleaseTag,
  isVersionTag,
  refSlug,
  type TagInput,
} from '../../../src/image/tags.js';
import { UserError } from '../../../src/util/errors.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const base = { registry: 'ghcr.io', owner: 'Faasm', sha: SHA };
const repo = 'ghcr.io/faasm/cpython';

describe('imageTags (docker/metadata-action rules)', () => {
  // ref, VERSION -> tags (without the repository)
  const table: [string, string, string[]][] = [
    ['refs/tags/v0.5.0', '0.5.0', ['0.5.0', '0.5', '0', 'latest']],
    ['refs/tags/v1.4.2', '1.4.2', ['1.4.2', '1.4', '1', 'latest']],
    ['refs/tags/v2.0.0', '2.0.0', ['2.0.0', '2.0', '2', 'latest']],
    ['refs/tags/v0.6.0-rc.1', '0.6.0-rc.1', ['0.6.0-rc.1']],
    ['refs/tags/v1.0.0-beta.2', '1.0.0-beta.2', ['1.0.0-beta.2']],
    ['refs/heads/main', '0.5.0', ['sha-0123456', 'main']],
    ['refs/heads/Feature/New_Thing', '0.5.0', ['sha-0123456', 'Feature-New_Thing']],
    ['refs/heads/-.odd//name!', '0.5.0', ['sha-0123456', 'odd-name-']],
    ['refs/heads/release/0.5', '0.5.0', ['sha-0123456', 'release-0.5']],
    ['refs/pull/42/merge', '0.5.0', ['sha-0123456', 'pr-42']],
    ['refs/tags/nightly', '0.5.0', ['sha-0123456', 'nightly']],
  ];
  test.each(table)('%s at VERSION %s -> %j', (ref, version, expected) => {
    expect(imageTags({ ...base, version, ref })).toEqual(expected.map((t) => `${repo}:${t}`));
  });

  test('only a v* tag ever names a version, X.Y, X or latest', () => {
    for (const [ref, version] of table) {
      const tags = imageTags({ ...base, version, ref }).map((t) => t.split(':').pop());
      expect(tags.includes(version)).toBe(ref.startsWith('refs/tags/v'));
      expect(tags.includes('latest')).toBe(ref.startsWith('refs/tags/v') && !version.includes('-'));
    }
  });

  test('a local registry with a port keeps it', () => {
    expect(
      imageTags({
        ...base,
        registry: '127.0.0.1:5000/',
        owner: 'me',
        version: '0.1.0-beta.2',
        ref: 'refs/tags/v0.1.0-beta.2',
      }),
    ).toEqual(['127.0.0.1:5000/me/cpython:0.1.0-beta.2']);
  });

  const refused: [string, TagInput, RegExp][] = [
    [
      'a v* tag that is not v<VERSION>',
      { ...base, version: '0.2.0', ref: 'refs/tags/v0.2.1' },
      /The tag v0\.2\.1 does not match VERSION 0\.2\.0/,
    ],
    ['an invalid version', { ...base, version: '0.2', ref: 'refs/heads/main' }, /not a semantic/],
    [
      'an unknown ref',
      { ...base, version: '0.2.0', ref: 'refs/notes/x' },
      /Cannot name image tags/,
    ],
    [
      'a commit that is not one',
      { ...base, version: '0.2.0', ref: 'refs/heads/main', sha: 'HEAD' },
      /not a git commit id/,
    ],
    [
      'an empty owner',
      { ...base, owner: '', version: '0.2.0', ref: 'refs/heads/main' },
      /must not be empty/,
    ],
  ];
  test.each(refused)('refuses %s', (_name, input, message) => {
    expect(() => imageTags(input)).toThrow(UserError);
    expect(() => imageTags(input)).toThrow(message);
  });

  test('refSlug', () => {
    expect(refSlug('-.Weird//Name!')).toBe('Weird-Name-');
    expect(refSlug('x'.repeat(300))).toHaveLength(128);
  });

  test.each([
    ['0.5.0', true],
    ['0.6.0-rc.1', true],
    ['0.5', false],
    ['latest', false],
    ['sha-0123456', false],
  ])('isVersionTag(%s) is %s', (tag, expected) => {
    expect(isVersionTag(tag)).toBe(expected);
  });
});

describe('imageLabels', () => {
  test('OCI labels and the matching build args', () => {
    const input = {
      version: '0.1.0',
      revision: 'abc',
      source: 'https://github.com/faasm/python',
      created: '2024-01-02T03:04:05.000Z',
    };
    expect(imageLabels(input)).toMatchObject({
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.source': 'https://github.com/faasm/python',
      'org.opencontainers.image.created': '2024-01-02T03:04:05.000Z',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(imageBuildArgs(input)).toEqual({
      FAASM_PYTHON_VERSION: '0.1.0',
      REVISION: 'abc',
      SOURCE: 'https://github.com/faasm/python',
      CREATED: '2024-01-02T03:04:05.000Z',
    });
  });
});

test('floating release tags are X.Y, X and latest; versions, shas and branches are not', () => {
  for (const t of ['0.5', '0', '12.34', 'latest'])
    expect([t, isFloatingReleaseTag(t)]).toEqual([t, true]);
  for (const t of ['0.5.0', '0.5.0-rc.1', 'sha-0123456', 'main', 'pr-7', 'v1'])
    expect([t, isFloatingReleaseTag(t)]).toEqual([t, false]);
});
