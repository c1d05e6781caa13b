import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths, defaultCacheDir, REPO_ROOT } from '../../src/paths.js';
import { buildPyfaasmDists } from '../../src/release/pyfaasm-dist.js';
import { readVersion } from '../../src/release/version.js';
import { exec } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';

// pyfaasm's sdist and wheel as `release` attaches them: built with PyPA's build (installed into
// the tools cache when the system Python lacks it), the wheel from the sdist.
let work: string;
let version: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fp-pyfaasm-dists-'));
  version = await readVersion(REPO_ROOT);
});

afterAll(async () => {
  if (work) await removeTree(work);
});

async function build(outDir: string) {
  return buildPyfaasmDists({
    repoRoot: REPO_ROOT,
    version,
    outDir,
    toolsDir: cachePaths(defaultCacheDir()).tools,
    sourceDateEpoch: 1_700_000_000,
  });
}

/** The member names of an archive, by Python's own tarfile/zipfile. */
async function members(file: string): Promise<string[]> {
  const script = file.endsWith('.whl')
    ? 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))'
    : 'import sys, tarfile; print("\\n".join(tarfile.open(sys.argv[1]).getnames()))';
  return (await exec('python3', ['-c', script, file])).stdout.trim().split('\n');
}

test('the sdist is complete and the wheel typed and licensed; both are repeatable', async () => {
  const first = await build(join(work, 'a'));
  expect(first.map((f) => f.name)).toEqual([
    `pyfaasm-${version}.tar.gz`,
    `pyfaasm-${version}-py3-none-any.whl`,
  ]);
  const [sdist, wheel] = first;
  const inSdist = await members(sdist!.path);
  const top = `pyfaasm-${version}`;
  for (const f of [
    'LICENSE',
    'pyproject.toml',
    'pyfaasm/core.py',
    'pyfaasm/py.typed',
    'cmodule/_faasmmodule.c',
    'tests',
  ]) {
    expect([f, inSdist.some((m) => m === `${top}/${f}` || m.startsWith(`${top}/${f}/`))]).toEqual([
      f,
      true,
    ]);
  }
  const inWheel = await members(wheel!.path);
  expect(inWheel).toContain('pyfaasm/py.typed');
  expect(inWheel).toContain(`pyfaasm-${version}.dist-info/licenses/LICENSE`);
  // The wheel is pure Python: _faasm is a built-in of the wasm runtime.
  expect(inWheel.filter((m) => /\.(c|so|pyd)$/.test(m))).toEqual([]);

  // Same commit time, same bytes: a re-run of the release uploads nothing new.
  const second = await build(join(work, 'b'));
  expect(second.map((f) => f.sha256)).toEqual(first.map((f) => f.sha256));
  expect((await readFile(sdist!.path)).length).toBe(sdist!.size);
});
