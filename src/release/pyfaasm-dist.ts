// pyfaasm's sdist and wheel, built with PyPA's pinned `build`.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
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
 * The build backend pyfaasm/pyproject.toml asks for (setuptools>=61), pinned for the isolated
 * build environment (pip reads PIP_CONSTRAINT): the same sources give the same dists next year,
 * so `faasm-python verify` of an old release still finds them the same.
 */
const BACKEND_CONSTRAINTS = 'setuptools==84.2.1\n';

/**
 * The build Python may be another layer's (the bundle layer runs the native one): it must not
 * write bytecode into that layer's site-packages, which would fail the layer's check on its next
 * use and rebuild it.
 */
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

/**
 * A directory holding PyPA's `build` for `python`: none when it is importable already, else
 * pip-installed once into `toolsDir` (a project-local target, so the system Python is untouched).
 */
async function buildFrontend(python: string, toolsDir: string, log?: string) {
  const probed = await exec(python, ['-m', 'build', '--version'], { env: NO_BYTECODE }).then(
    () => true,
    () => false,
  );
  if (probed) return undefined;
  const target = join(toolsDir, 'pypa-build');
  const env = { ...NO_BYTECODE, PYTHONPATH: target };
  const installed = await exec(python, ['-m', 'build', '--version'], { env }).then(
    () => true,
    () => false,
  );
  if (!installed) {
    await exec(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--upgrade',
        '--target',
        target,
        BUILD_REQUIREMENT,
      ],
      { log, env: NO_BYTECODE },
    );
  }
  return target;
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
  const pythonPath = await buildFrontend(python, opts.toolsDir, opts.log);
  await removeTree(opts.outDir);
  await mkdir(opts.outDir, { recursive: true });
  // Built from a copy: setuptools writes pyfaasm.egg-info/ into the source tree it builds.
  const source = join(opts.outDir, '.source');
  await copyTree(join(opts.repoRoot, 'pyfaasm'), source);
  const constraints = join(source, '.backend-constraints.txt');
  await writeFile(constraints, BACKEND_CONSTRAINTS);
  await exec(python, ['-m', 'build', '--outdir', opts.outDir, source], {
    log: opts.log,
    env: {
      ...NO_BYTECODE,
      PIP_CONSTRAINT: constraints,
      // Debian's Python (the 3.13 line's build Python) is marked externally managed (PEP 668),
      // so its pip refuses to install even into the temporary environment build makes for the
      // backend; nothing is installed into the system Python itself.
      PIP_BREAK_SYSTEM_PACKAGES: '1',
      ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
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
