import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompatResult } from '../../src/modules/compat.js';
import { readCompatEntries } from '../../src/modules/compat.js';
import { requirementName } from '../../src/modules/top-pypi.js';
import { REPO_ROOT } from '../../src/paths.js';
import { removeTree } from '../../src/util/fs.js';
import { repoCli, repoCopy } from '../helpers/repo-copy.js';

// The representative selection of the compatibility table (compat.json's `quick` entries: a
// compiled package, a C++ one, pure ones, an optional compiled build, WASI's user ids), as
// `./run test` runs it; the scheduled compat
// workflow attempts every package. Runs in a copy of the repository, whose docs/ it writes.
let repo: string;

beforeAll(async () => {
  repo = await repoCopy('fp-compat-');
});

afterAll(async () => {
  if (repo) await removeTree(repo);
});

test('the quick selection resolves on PyPI, builds, passes inside the runtime and is tabled', async () => {
  const quick = (await readCompatEntries(REPO_ROOT)).filter((e) => e.quick);
  expect(quick.length).toBeGreaterThanOrEqual(3);
  const r = await repoCli(repo, 'modules', 'compat', '--quick', '--check');
  if (r.code !== 0) console.error(r.out, r.err);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`${quick.length} of ${quick.length} packages pass`);

  const rows = JSON.parse(
    await readFile(join(repo, 'docs', 'compat-quick.json'), 'utf8'),
  ) as CompatResult[];
  expect(rows.map((x) => x.requirement)).toEqual(quick.map((e) => e.requirement));
  for (const row of rows) {
    // A pinned entry at its pin; an unpinned one (a ranked project) at its current version.
    expect(requirementName(row.requirement)).toBe(requirementName(row.name));
    if (row.requirement.includes('==')) expect(`${row.name}==${row.version}`).toBe(row.requirement);
    expect(row.passed).toBe(true);
    expect(row.interpreterBytes).toBeGreaterThan(0);
    if (row.kind === 'c-extension') expect(row.extensions.length).toBeGreaterThan(0);
  }
  // The general fixes, each shown by one package: an optional compiled build accepted as the
  // pure one its backend built, and WASI's user ids (platformdirs imports os.getuid).
  const charset = rows.find((r) => r.name === 'charset-normalizer');
  expect([charset?.kind, charset?.note]).toEqual([
    'pure',
    expect.stringMatching(/^built pure: its compiled code is optional/),
  ]);
  expect(rows.find((r) => r.name === 'platformdirs')?.passed).toBe(true);
  const md = await readFile(join(repo, 'docs', 'compat-quick.md'), 'utf8');
  // Cells padded as prettier writes tables.
  expect(md).toMatch(
    /\| msgpack +\| [\d.]+ +\| c-extension +\| passes \(built-in: `msgpack\._cmsgpack`\) *\|/,
  );
}, 1_800_000);
