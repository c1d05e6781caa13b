import {
  imageBuildArgs,
  imageLabels,
  imageTags,
  refSlug,
  type TagInput,
} from '../../../src/image/tags.js';
import { UserError } from '../../../src/util/errors.js';

const base = { registry: 'ghcr.io', owner: 'Faasm' };
const repo = 'ghcr.io/faasm/cpython';

describe('imageTags', () => {
  const cases: [string, Omit<TagInput, 'registry' | 'owner'>, string[]][] = [
    [
      'tag push of a release',
      { version: '0.2.0', ref: 'refs/tags/v0.2.0', eventName: 'push' },
      [`${repo}:0.2.0`, `${repo}:0.2`, `${repo}:latest`],
    ],
    [
      'tag push of a pre-release: no minor, no latest',
      { version: '0.3.0-rc.1', ref: 'refs/tags/v0.3.0-rc.1', eventName: 'push' },
      [`${repo}:0.3.0-rc.1`],
    ],
    [
      'dispatch on the default branch rebuilds the release',
      { version: '1.4.2', ref: 'refs/heads/main', eventName: 'workflow_dispatch' },
      [`${repo}:1.4.2`, `${repo}:1.4`, `${repo}:latest`],
    ],
    [
      'dispatch on a tag rebuilds that release',
      { version: '1.4.2', ref: 'refs/tags/v1.4.2', eventName: 'workflow_dispatch' },
      [`${repo}:1.4.2`, `${repo}:1.4`, `${repo}:latest`],
    ],
    [
      'dispatch on another branch gets only the branch name',
      { version: '1.4.2', ref: 'refs/heads/Feature/New_Thing', eventName: 'workflow_dispatch' },
      [`${repo}:feature-new_thing`],
    ],
    [
      'branch push, even to main, never overwrites a release tag',
      { version: '1.4.2', ref: 'refs/heads/main', eventName: 'push' },
      [`${repo}:main`],
    ],
    [
      'pull request',
      { version: '1.4.2', ref: 'refs/pull/42/merge', eventName: 'pull_request' },
      [`${repo}:pr-42`],
    ],
    ['local build', { version: '0.1.0' }, [`${repo}:0.1.0`, `${repo}:0.1`, `${repo}:latest`]],
    [
      'a non-main default branch',
      {
        version: '0.1.0',
        ref: 'refs/heads/trunk',
        eventName: 'workflow_dispatch',
        defaultBranch: 'trunk',
      },
      [`${repo}:0.1.0`, `${repo}:0.1`, `${repo}:latest`],
    ],
  ];
  test.each(cases)('%s', (_name, input, expected) => {
    expect(imageTags({ ...base, ...input })).toEqual(expected);
  });

  test('a local registry with a port keeps it', () => {
    expect(
      imageTags({ registry: '127.0.0.1:5000/', owner: 'me', version: '0.1.0-beta.2' }),
    ).toEqual(['127.0.0.1:5000/me/cpython:0.1.0-beta.2']);
  });

  const refused: [string, TagInput, RegExp][] = [
    [
      'a pushed tag that is not v<VERSION>',
      { ...base, version: '0.2.0', ref: 'refs/tags/v0.2.1', eventName: 'push' },
      /The tag v0\.2\.1 does not match VERSION 0\.2\.0/,
    ],
    ['an invalid version', { ...base, version: '0.2' }, /not a semantic version/],
    [
      'an unknown ref',
      { ...base, version: '0.2.0', ref: 'refs/notes/x' },
      /Cannot name image tags/,
    ],
    ['a push with no ref', { ...base, version: '0.2.0', eventName: 'push' }, /needs a git ref/],
    ['an empty owner', { ...base, owner: '', version: '0.2.0' }, /must not be empty/],
  ];
  test.each(refused)('refuses %s', (_name, input, message) => {
    expect(() => imageTags(input)).toThrow(UserError);
    expect(() => imageTags(input)).toThrow(message);
  });

  test('refSlug', () => {
    expect(refSlug('-.Weird//Name!')).toBe('weird-name-');
    expect(refSlug('x'.repeat(300))).toHaveLength(128);
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
