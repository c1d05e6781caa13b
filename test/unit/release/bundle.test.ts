import { execFileSync } from 'node:child_process';
import { readFile, utimes, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleFileNames,
  makeBundle,
  verifyBundle,
  type BundleInput,
} from '../../../src/release/bundle.js';
import { UserError } from '../../../src/util/errors.js';
import { writeTree, tempDir, removeTempDirs } from './helpers.js';

async function inputs(outName = 'bundle'): Promise<BundleInput> {
  const dir = await tempDir('faasm-bundle-');
  await writeTree(dir, {
    'root/lib/python3.11/os.py': 'import sys\n',
    'root/lib/python3.11/json/__init__.py': '# json\n',
    'root/etc/hosts': '127.0.0.1 localhost\n',
    'install/lib/libpython3.11.a': '!<arch>\nfake',
    'install/lib/libmpdec.a': '!<arch>\nfake2',
    'install/lib/pkgconfig/python3.pc': 'not an archive',
    'install/include/python3.11/Python.h': '#define PY 1\n',
    'py_func.wasm': '\0asm\x01\0\0\0',
    'dists/pyfaasm-0.1.0.tar.gz': 'sdist',
    'dists/pyfaasm-0.1.0-py3-none-any.whl': 'wheel',
  });
  return {
    runtimeRoot: join(dir, 'root'),
    pyFuncWasm: join(dir, 'py_func.wasm'),
    libDir: join(dir, 'install/lib'),
    includeDir: join(dir, 'install/include'),
    outDir: join(dir, outName),
    manifest: {
      version: '0.1.0',
      versions: { python: '3.11.2' },
      layers: { wasm: 'k2', func: 'k1' },
    },
    sbom: { bomFormat: 'CycloneDX', specVersion: '1.6' },
    pyfaasmDists: [
      join(dir, 'dists/pyfaasm-0.1.0.tar.gz'),
      join(dir, 'dists/pyfaasm-0.1.0-py3-none-any.whl'),
    ],
  };
}

const list = (tarball: string) =>
  execFileSync('tar', ['-tzvf', tarball], { encoding: 'utf8' }).trim().split('\n');

afterAll(removeTempDirs);

describe('makeBundle', () => {
  test('lays out tarballs, the wasm, a manifest and SHA256SUMS that sha256sum accepts', async () => {
    const input = await inputs();
    const bundle = await makeBundle(input);
    const names = bundleFileNames('0.1.0');
    expect(bundle.files.map((f) => f.name)).toEqual([
      'faasm-python-0.1.0-runtime-root.tar.gz',
      'py_func.wasm',
      'faasm-python-0.1.0-libpython.tar.gz',
      'faasm-python-0.1.0-sbom.cdx.json',
      'pyfaasm-0.1.0.tar.gz',
      'pyfaasm-0.1.0-py3-none-any.whl',
      'manifest.json',
      'SHA256SUMS',
    ]);
    execFileSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: input.outDir });
    // SHA256SUMS covers every other asset: the SBOM and pyfaasm's dists too.
    const summed = (await readFile(join(input.outDir, 'SHA256SUMS'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split('  ')[1]);
    expect(summed.sort()).toEqual(
      bundle.files
        .map((f) => f.name)
        .filter((n) => n !== 'SHA256SUMS')
        .sort(),
    );
    expect(JSON.parse(await readFile(join(input.outDir, names.sbom), 'utf8'))).toEqual(input.sbom);

    const root = list(join(input.outDir, names.runtimeRoot));
    expect(root.map((l) => l.split(/\s+/).at(-1))).toEqual([
      'etc/',
      'etc/hosts',
      'lib/',
      'lib/python3.11/',
      'lib/python3.11/json/',
      'lib/python3.11/json/__init__.py',
      'lib/python3.11/os.py',
    ]);
    // Owner 0/0 and mtime 0 for every entry.
    for (const line of root) expect(line).toMatch(/^\S+ 0\/0\s+\d+ 1970-01-01 00:00 /);
    const lib = list(join(input.outDir, names.libpython)).map((l) => l.split(/\s+/).at(-1));
    expect(lib).toEqual([
      'include/',
      'include/python3.11/',
      'include/python3.11/Python.h',
      'lib/',
      'lib/libmpdec.a',
      'lib/libpython3.11.a',
    ]);

    const manifest = JSON.parse(await readFile(join(input.outDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'faasm-python',
      version: '0.1.0',
      versions: { python: '3.11.2' },
      layers: { func: 'k1', wasm: 'k2' },
      sizes: { pyFuncWasm: 8, runtimeRoot: 11 + 7 + 20 },
    });
    expect(Object.keys(manifest.layers)).toEqual(['func', 'wasm']);
    const wasm = bundle.files.find((f) => f.name === 'py_func.wasm');
    expect(manifest.files['py_func.wasm']).toEqual({ size: 8, sha256: wasm?.sha256 });
  });

  test('is byte for byte reproducible whatever the times and modes of the inputs', async () => {
    const a = await inputs();
    const first = await makeBundle(a);
    await utimes(join(a.runtimeRoot, 'lib/python3.11/os.py'), 12345, 12345);
    await chmod(join(a.runtimeRoot, 'etc/hosts'), 0o600);
    const second = await makeBundle(a);
    expect(second.files.map((f) => f.sha256)).toEqual(first.files.map((f) => f.sha256));
    const other = await makeBundle(await inputs());
    expect(other.files.map((f) => f.sha256)).toEqual(first.files.map((f) => f.sha256));
  });

  test('missing inputs are refused before anything is written', async () => {
    const input = await inputs();
    await expect(
      makeBundle({ ...input, pyfaasmDists: input.pyfaasmDists.slice(0, 1) }),
    ).rejects.toThrow(/The bundle lacks pyfaasm-0\.1\.0-py3-none-any\.whl/);
    await expect(makeBundle({ ...input, pyFuncWasm: '/nonexistent/py_func.wasm' })).rejects.toThrow(
      /The entrypoint \/nonexistent\/py_func\.wasm is missing/,
    );
    await expect(makeBundle({ ...input, libDir: input.includeDir })).rejects.toThrow(
      /holds no \.a libraries/,
    );
    await expect(verifyBundle(input.outDir, '0.1.0')).rejects.toThrow(/does not exist/);
  });
});

describe('verifyBundle', () => {
  test('accepts a good bundle and refuses a tampered or mismatched one', async () => {
    const input = await inputs();
    await makeBundle(input);
    const ok = await verifyBundle(input.outDir, '0.1.0');
    expect(ok.files).toHaveLength(8);
    await expect(verifyBundle(input.outDir, '0.2.0')).rejects.toThrow(
      /is for version 0\.1\.0, not 0\.2\.0/,
    );
    await writeFile(join(input.outDir, 'py_func.wasm'), 'tampered');
    await expect(verifyBundle(input.outDir, '0.1.0')).rejects.toThrow(UserError);
    await expect(verifyBundle(input.outDir, '0.1.0')).rejects.toThrow(
      /does not match its SHA256SUMS/,
    );
  });
});
