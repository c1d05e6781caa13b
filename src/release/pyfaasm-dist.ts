// pyfaasm's sdist and wheel, built with PyPA's pinned `build`.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';
import { copyTree, removeTree } from '../util/fs.js';
import { sha256File } from '../util/hash.js';
import type { BundleFile } from './bundle.js';
import { toPep440 } from './version.js';

/** PyPA's `build` frontend, pinned: it builds the sdist and, from that sdist, the wheel. */
const BUILD_REQUIREMENT = 'build==1.6.1';

/**
 * The build backend pyfaasm/pyproject.toml asks for (setuptools>=61), pinned: the same sources
 * give the same dists next year, so `faasm-python verify` of an old release still finds them the
 * same. It is installed beside the frontend and the build runs without isolation: build's
 * isolated environment would pip-install it through the build Python, and Debian's (the 3.13
 * line's) is externally managed (PEP 668), so pip either refuses or, told to go ahead, installs
 * into that Python's own /usr/local, inside the native layer.
 */
const BACKEND_REQUIREMENT = 'setuptools==84.2.1';

/**
 * The build Python may be another layer's (the bundle layer runs the native one): it must not
 * write bytecode into that layer's site-packages, which would fail the layer's check on its next
 * use and rebuild it.
 */
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

/**
 * `toolsDir/<name>`, holding `requirement` (and its dependencies unless `noDeps`) for `python`,
 * pip-installed there once: a project-local target, so the build Python's own environment is
 * never written. `check` runs with it on PYTHONPATH and fails when it is missing.
 */
async function toolTarget(
  python: string,
  toolsDir: string,
  name: string,
  requirement: string,
  check: string[],
  opts: { noDeps?: boolean; log?: string } = {},
): Promise<string> {
  const target = join(toolsDir, name);
  const env = { ...NO_BYTECODE, PYTHONPATH: target };
  const installed = await exec(python, check, { env }).then(
    () => true,
    () => false,
  );
  if (!installed) {
    const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade'];
    if (opts.noDeps) args.push('--no-deps');
    await exec(python, [...args, '--target', target, requirement], {
      log: opts.log,
      env: NO_BYTECODE,
    });
  }
  return target;
}

/** PyPA's `build` (with its dependencies) and the pinned backend, as one PYTHONPATH. */
async function buildTools(python: string, toolsDir: string, log?: string): Promise<string> {
  const frontend = await toolTarget(
    python,
    toolsDir,
    'pypa-build',
    BUILD_REQUIREMENT,
    ['-m', 'build', '--version'],
    { log },
  );
  const version = BACKEND_REQUIREMENT.split('==')[1]!;
  const backend = await toolTarget(
    python,
    toolsDir,
    `pypa-backend-${BACKEND_REQUIREMENT.replace('==', '-')}`,
    BACKEND_REQUIREMENT,
    ['-c', `import setuptools, sys; sys.exit(setuptools.__version__ != '${version}')`],
    { noDeps: true, log },
  );
  return [backend, frontend].join(':');
}

/**
 * Rewrites an sdist so that the same sources and SOURCE_DATE_EPOCH give the same bytes, which
 * setuptools does not do: its tar members carry the build's file times (PKG-INFO is written
 * during the build) and gzip stamps the current time. Members keep their order, and their
 * times are clamped to the epoch (not zeroed: a wheel built from the sdist needs times after
 * 1980); owners become root, as in any sdist.
 */
const NORMALIZE_SDIST = `
import gzip, io, sys, tarfile
path, epoch = sys.argv[1], int(sys.argv[2])
out = io.BytesIO()
with tarfile.open(path) as src, gzip.GzipFile("", "wb", 9, out, mtime=epoch) as gz:
    with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as dst:
        for m in src.getmembers():
            data = src.extractfile(m) if m.isfile() else None
            m.mtime = min(int(m.mtime), epoch)
            m.uid = m.gid = 0
            m.uname = m.gname = ""
            m.pax_headers = {}
            dst.addfile(m, data)
with open(path, "wb") as f:
    f.write(out.getvalue())
`;

/**
 * pyfaasm's sdist and wheel (`python -m build` from pyfaasm/, the wheel made from the sdist so
 * the sdist is known to be complete), written to `outDir`, as release assets. The wheel is pure
 * Python: `_faasm` is a built-in of the wasm runtime, not part of the wheel.
 */
export async function buildPyfaasmDists(opts: {
  repoRoot: string;
  version: string;
  outDir: string;
  toolsDir: string;
  python?: string;
  /** Seconds since the epoch for the archives' file times (the commit time makes them repeatable). */
  sourceDateEpoch?: number;
  log?: string;
}): Promise<BundleFile[]> {
  const python = opts.python ?? 'python3';
  if ((await probe(python, ['--version'])) === undefined) {
    throw new UserError(`${python} is not installed; install python3 to build pyfaasm's wheel.`);
  }
  const pythonPath = await buildTools(python, opts.toolsDir, opts.log);
  await removeTree(opts.outDir);
  await mkdir(opts.outDir, { recursive: true });
  // Built from a copy: setuptools writes pyfaasm.egg-info/ into the source tree it builds.
  const source = join(opts.outDir, '.source');
  await copyTree(join(opts.repoRoot, 'pyfaasm'), source);
  await exec(python, ['-m', 'build', '--no-isolation', '--outdir', opts.outDir, source], {
    log: opts.log,
    env: {
      ...NO_BYTECODE,
      PYTHONPATH: pythonPath,
      ...(opts.sourceDateEpoch !== undefined
        ? { SOURCE_DATE_EPOCH: String(opts.sourceDateEpoch) }
        : {}),
    },
  });
  const pep440 = toPep440(opts.version);
  await removeTree(source);
  const names = (await readdir(opts.outDir)).sort();
  const sdist = names.find((n) => n === `pyfaasm-${pep440}.tar.gz`);
  const wheel = names.find((n) => n.startsWith(`pyfaasm-${pep440}-`) && n.endsWith('.whl'));
  if (!sdist || !wheel) {
    throw new UserError(
      `Building pyfaasm gave ${names.join(', ') || 'nothing'}, not the sdist and wheel of ${pep440}; check pyfaasm/pyproject.toml's version (faasm-python version --check).`,
    );
  }
  if (opts.sourceDateEpoch !== undefined) {
    const args = ['-c', NORMALIZE_SDIST, join(opts.outDir, sdist), String(opts.sourceDateEpoch)];
    await exec(python, args, { log: opts.log, env: NO_BYTECODE });
  }
  return Promise.all(
    [sdist, wheel].map(async (name) => {
      const path = join(opts.outDir, name);
      return { name, path, size: (await stat(path)).size, sha256: await sha256File(path) };
    }),
  );
}
