import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpecifiers, satisfies } from '../../../src/deploy/pep440.js';
import { readRequirements, requirementText } from '../../../src/deploy/requirements.js';
import { UserError } from '../../../src/util/errors.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-reqs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` as a requirements file and reads it back. */
async function read(text: string, extra: Record<string, string> = {}) {
  const sub = join(dir, String(n++));
  await mkdir(sub, { recursive: true });
  for (const [name, body] of Object.entries(extra)) {
    await mkdir(join(sub, name, '..'), { recursive: true });
    await writeFile(join(sub, name), body);
  }
  await writeFile(join(sub, 'requirements.txt'), text);
  return readRequirements(join(sub, 'requirements.txt'));
}

async function refusal(text: string, extra: Record<string, string> = {}): Promise<string> {
  const err = await read(text, extra).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const message = (err as Error).message;
  // One sentence: no stack, no second line.
  expect(message).not.toMatch(/\n/);
  return message;
}

describe('requirements files', () => {
  test('reads names, specifiers, comments, continuations and the old parenthesised form', async () => {
    const reqs = await read(
      [
        '# a deployment',
        'Pandas==3.1.1   # the one we need',
        '',
        'python_dateutil >= 2.8, \\',
        '   < 5',
        'six',
        'PyYAML (>=6)',
        'numpy~=2.4.0',
      ].join('\n'),
    );
    expect(reqs.map(requirementText)).toEqual([
      'pandas==3.1.1',
      'python-dateutil>=2.8,<5',
      'six',
      'pyyaml>=6',
      'numpy~=2.4.0',
    ]);
    expect(reqs[1]!.where[0]).toMatch(/requirements\.txt:4$/);
  });

  test('follows -r includes relative to the including file, and combines a package named twice', async () => {
    const reqs = await read('-r base/common.txt\nsix<2\n', {
      'base/common.txt': '--requirement=more.txt\nsix>=1.16\n',
      'base/more.txt': 'ujson\n',
    });
    expect(reqs.map(requirementText)).toEqual(['ujson', 'six>=1.16,<2']);
    expect(reqs[1]!.where).toHaveLength(2);
  });

  test('takes --hash after a requirement, and --require-hashes demands one on every line', async () => {
    const h = 'ab'.repeat(32);
    const [r] = await read(`six==1.16.0 --hash=sha256:${h.toUpperCase()}\n`);
    expect(r!.hashes).toEqual([h]);
    expect(await refusal(`--require-hashes\nsix==1.16.0 --hash=sha256:${h}\nujson\n`)).toMatch(
      /requirements\.txt:3: ujson has no --hash, and the file asks for --require-hashes/,
    );
    expect(await refusal('six --hash=md5:abc\n')).toMatch(/--hash md5:abc is not sha256:/);
  });

  test.each([
    ['https://example.org/six-1.16.0.tar.gz', /names a URL/],
    ['six @ https://example.org/six.tar.gz', /names a URL/],
    ['git+https://github.com/x/y', /names a URL/],
    ['./vendor/six', /local path or archive/],
    ['six-1.16.0-py3-none-any.whl', /local path or archive/],
    ['-e ./mypkg', /editable requirements \(-e\) cannot be deployed/],
    ['--index-url https://example.org/simple', /'--index-url' is not honoured/],
    ['-c constraints.txt', /constraints files \(-c\) are not supported/],
    ['requests[socks]==2.32.0', /extras \(requests\[socks\]\) are not supported/],
    ['six; python_version < "3.12"', /environment markers .* are not supported/],
    ['six==', /'==' is not a version specifier/],
    ['six=>1', /'=>1' is not a version specifier/],
    ['six~=1', /'~=1' is not a version specifier/],
    ['--frobnicate', /'--frobnicate' is not an option/],
  ])('refuses %s in one sentence naming the file and line', async (line, why) => {
    const message = await refusal(`six\n${line}\n`);
    expect(message).toMatch(/requirements\.txt:2: /);
    expect(message).toMatch(why);
  });

  test('refuses a missing file, an include cycle and a file naming nothing', async () => {
    await expect(readRequirements(join(dir, 'nope.txt'))).rejects.toThrow(
      /There is no requirements file .*nope\.txt; check the path\./,
    );
    expect(await refusal('-r a.txt\n', { 'a.txt': '-r requirements.txt\n' })).toMatch(
      /is included again through -r/,
    );
    expect(await refusal('# nothing\n\n')).toMatch(/names no package/);
  });
});

describe('PEP 440 specifiers', () => {
  const ok = (version: string, spec: string) => {
    const s = parseSpecifiers(spec);
    if (typeof s === 'string') throw new Error(`bad specifier ${s}`);
    return satisfies(version, s);
  };
  test.each([
    ['3.1.1', '==3.1.1', true],
    ['3.1.1', '==3.1', false],
    ['3.1.0', '==3.1', true],
    ['3.1.1', '==3.1.*', true],
    ['3.2.0', '==3.1.*', false],
    ['3.1.1', '!=3.1.*', false],
    ['2.4.6', '~=2.4.0', true],
    ['2.5.0', '~=2.4.0', false],
    ['2.5.0', '~=2.4', true],
    ['3.0', '~=2.4', false],
    ['1.16.0', '>=1.16,<2', true],
    ['2.0', '>=1.16,<2', false],
    ['2.0rc1', '<2', false],
    ['2.0rc1', '>=2.0a1', true],
    ['2.0.dev1', '<2.0a1', true],
    ['1.7.post1', '>1.7', false],
    ['1.7.1', '>1.7', true],
    ['1.7.post1', '>=1.7', true],
    ['1!1.0', '>2.0', true],
    ['1.0+local.1', '==1.0', true],
    ['1.0+local.1', '==1.0+local.2', false],
    ['2026.6', '>=2024.1', true],
    ['6.0.4', '', true],
    ['weird', '===weird', true],
  ])('%s against %s: %s', (version, spec, want) => {
    expect(ok(version, spec)).toBe(want);
  });
});
