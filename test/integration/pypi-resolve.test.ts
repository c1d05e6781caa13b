// pypi_resolve.py pins a compiled build requirement for every CPython line of the repository, so
// a recipe `modules add` writes on one line builds on the others. Run by the build Python (the
// native layer's, with its pip) against an index on 127.0.0.1 that serves PEP 691 JSON.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nativePython } from '../../src/cpython/native-layer.js';
import { exec } from '../../src/util/exec.js';
import { PYTHON, buildLayers } from '../helpers/runtime.js';

const HELPERS = fileURLToPath(new URL('../../src/modules/python/', import.meta.url));
const PLATFORM = 'manylinux2014_x86_64.manylinux_2_17_x86_64';
const file = (version: string, tag: string, platform = PLATFORM) => ({
  filename: `cython-${version}-${tag}-${platform}.whl`,
  url: `https://files.example/cython-${version}-${tag}-${platform}.whl`,
  hashes: { sha256: `${tag}-${version}-${platform}` },
});
const FILES = [
  file('3.3.2', 'cp311-cp311'),
  file('3.3.2', 'cp313-cp313', 'musllinux_1_2_x86_64'),
  file('3.3.2', 'cp313-cp313'),
  file('3.3.1', 'cp312-cp312'),
  { ...file('3.3.2', 'cp312-cp312'), yanked: true },
  file('3.3.2', 'py3-none', 'any'),
];

let server: Server;
let index: string;
let python: string;

beforeAll(async () => {
  python = nativePython((await buildLayers(['native'])).get('native')!.dir, PYTHON.version);
  server = createServer((req, res) => {
    if (req.url !== '/simple/cython/') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
    res.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'cython', files: FILES }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  index = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
}, 3_600_000);

afterAll(() => new Promise((resolve) => server.close(resolve)));

/** The routes other_line_wheels adds for the pinned wheel `pinned`, with these lines. */
async function others(pinned: string, lines: string): Promise<string[]> {
  const code = `import json, pypi_resolve as p; print(json.dumps([r["file"] for r in p.other_line_wheels("cython", "3.3.2", ${JSON.stringify(pinned)})]))`;
  const { stdout } = await exec(python, ['-c', code], {
    cwd: HELPERS,
    env: { PYTHONPATH: HELPERS, PIP_INDEX_URL: index, FAASM_PYTHON_LINES: lines },
  });
  return JSON.parse(stdout.trim()) as string[];
}

describe('a compiled build requirement', () => {
  test("gets the same version's wheel for each other line, with the pinned one's platform", async () => {
    expect(await others(file('3.3.2', 'cp311-cp311').filename, '3.11 3.13')).toEqual([
      file('3.3.2', 'cp313-cp313').filename,
    ]);
  });

  test('a line with no such wheel (a yanked one, another version) adds nothing', async () => {
    expect(await others(file('3.3.2', 'cp311-cp311').filename, '3.11 3.12')).toEqual([]);
  });

  test('a pure or abi3 wheel, or a single line, needs nothing more', async () => {
    expect(await others(file('3.3.2', 'py3-none', 'any').filename, '3.11 3.13')).toEqual([]);
    expect(await others(file('3.3.2', 'cp311-abi3').filename, '3.11 3.13')).toEqual([]);
    expect(await others(file('3.3.2', 'cp311-cp311').filename, '3.11')).toEqual([]);
  });
});
