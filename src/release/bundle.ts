// The release bundle: its file names, deterministic tarballs, manifest and SHA256SUMS, and its
// verification.
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { copyTree, exists, removeTree, treeSize } from '../util/fs.js';
import { sha256File } from '../util/hash.js';
import { toPep440 } from './version.js';

/**
 * The names of a bundle's files, SHA256SUMS last; the Dockerfile and the release assets use the
 * same names. Every one is a release asset, and SHA256SUMS covers all the others.
 */
export function bundleFileNames(version: string) {
  const pep440 = toPep440(version);
  return {
    runtimeRoot: `faasm-python-${version}-runtime-root.tar.gz`,
    pyFunc: 'py_func.wasm',
    libpython: `faasm-python-${version}-libpython.tar.gz`,
    sbom: `faasm-python-${version}-sbom.cdx.json`,
    pyfaasmSdist: `pyfaasm-${pep440}.tar.gz`,
    pyfaasmWheel: `pyfaasm-${pep440}-py3-none-any.whl`,
    manifest: 'manifest.json',
    sums: 'SHA256SUMS',
  };
}

export interface ManifestInput {
  version: string;
  /** Versions of what went in, e.g. { python: '3.11.2' }. */
  versions?: Record<string, string>;
  /** Layer name -> layer key, so a bundle can be traced to the cache entries that built it. */
  layers?: Record<string, string>;
  revision?: string;
}

export interface BundleFile {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

export interface BundleManifest {
  name: 'faasm-python';
  version: string;
  revision?: string;
  versions: Record<string, string>;
  layers: Record<string, string>;
  /** Unpacked sizes in bytes. */
  sizes: { runtimeRoot: number; pyFuncWasm: number; libpython: number };
  /** The archives and the wasm, by name (manifest.json and SHA256SUMS describe these). */
  files: Record<string, { size: number; sha256: string }>;
}

export interface BundleInput {
  runtimeRoot: string;
  pyFuncWasm: string;
  /** Directory whose *.a files go to lib/ in the libpython tarball. */
  libDir: string;
  /** Directory whose contents (e.g. python3.11/) go to include/ in the libpython tarball. */
  includeDir: string;
  outDir: string;
  manifest: ManifestInput;
  /** The software bill of materials (sbom.ts), written as the bundle's SBOM file. */
  sbom: unknown;
  /** pyfaasm's sdist and wheel (pyfaasm-dist.ts), copied in under their names. */
  pyfaasmDists: readonly string[];
  log?: string;
}

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  /** Every file of the bundle, SHA256SUMS last. */
  files: BundleFile[];
}

/**
 * A reproducible tar.gz of `names` under `dir`: sorted entries, mtime 0, numeric owner 0 and
 * normalised modes, and gzip without name or time, so equal trees give equal bytes (and an
 * unchanged release asset is not uploaded again).
 */
export async function deterministicTarGz(
  dir: string,
  names: string[],
  out: string,
  log?: string,
): Promise<void> {
  const tarPath = out.replace(/\.gz$/, '');
  await exec(
    'tar',
    [
      '--sort=name',
      '--format=gnu',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mode=u+rwX,go+rX,go-w',
      '-cf',
      tarPath,
      '-C',
      dir,
      '--',
      ...names,
    ],
    { log },
  );
  await exec('gzip', ['-n', '-9', '-f', tarPath], { log });
}

async function describe(path: string): Promise<BundleFile> {
  return {
    name: basename(path),
    path,
    size: (await stat(path)).size,
    sha256: await sha256File(path),
  };
}

async function requireDir(path: string, what: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isDirectory())
    throw new UserError(`The ${what} ${path} is not a directory; build it first.`);
}

export function sha256Sums(files: readonly { name: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
}

/**
 * Makes the release bundle in `outDir` (replacing it whole): the runtime root and libpython as
 * deterministic tarballs, py_func.wasm, manifest.json and SHA256SUMS. Built in a sibling staging
 * dir and renamed into place, so `outDir` is never half written.
 */
export async function makeBundle(input: BundleInput): Promise<Bundle> {
  const { version } = input.manifest;
  const names = bundleFileNames(version);
  await requireDir(input.runtimeRoot, 'runtime root');
  await requireDir(input.includeDir, 'include dir');
  await requireDir(input.libDir, 'library dir');
  const wasm = await stat(input.pyFuncWasm).catch(() => undefined);
  if (!wasm?.isFile())
    throw new UserError(`The entrypoint ${input.pyFuncWasm} is missing; build it first.`);
  const archives = (await readdir(input.libDir)).filter((n) => n.endsWith('.a')).sort();
  if (archives.length === 0)
    throw new UserError(`${input.libDir} holds no .a libraries; build libpython first.`);

  const staging = `${input.outDir}.staging-${process.pid}`;
  await removeTree(staging);
  await mkdir(join(staging, 'libpython', 'lib'), { recursive: true });
  try {
    const rootEntries = (await readdir(input.runtimeRoot)).sort();
    if (rootEntries.length === 0)
      throw new UserError(`The runtime root ${input.runtimeRoot} is empty; build it first.`);
    await deterministicTarGz(
      input.runtimeRoot,
      rootEntries,
      join(staging, names.runtimeRoot),
      input.log,
    );

    const libStage = join(staging, 'libpython');
    for (const a of archives) await copyFile(join(input.libDir, a), join(libStage, 'lib', a));
    await copyTree(input.includeDir, join(libStage, 'include'));
    await deterministicTarGz(
      libStage,
      ['include', 'lib'],
      join(staging, names.libpython),
      input.log,
    );
    const libpythonSize = await treeSize(libStage);
    await removeTree(libStage);

    await copyFile(input.pyFuncWasm, join(staging, names.pyFunc));
    await writeFile(join(staging, names.sbom), `${JSON.stringify(input.sbom, null, 2)}\n`);
    for (const dist of input.pyfaasmDists) await copyFile(dist, join(staging, basename(dist)));

    const payloadNames = [
      names.runtimeRoot,
      names.pyFunc,
      names.libpython,
      names.sbom,
      names.pyfaasmSdist,
      names.pyfaasmWheel,
    ];
    for (const name of payloadNames) {
      if (!(await exists(join(staging, name)))) {
        throw new UserError(
          `The bundle lacks ${name} (pyfaasm's dists were ${input.pyfaasmDists.map((d) => basename(d)).join(', ') || 'none'}); check pyfaasm/pyproject.toml's version (faasm-python version --check).`,
        );
      }
    }
    const payload = await Promise.all(payloadNames.map((n) => describe(join(staging, n))));
    const manifest: BundleManifest = {
      name: 'faasm-python',
      version,
      ...(input.manifest.revision ? { revision: input.manifest.revision } : {}),
      versions: sortedRecord(input.manifest.versions ?? {}),
      layers: sortedRecord(input.manifest.layers ?? {}),
      sizes: {
        runtimeRoot: await treeSize(input.runtimeRoot),
        pyFuncWasm: wasm.size,
        libpython: libpythonSize,
      },
      files: Object.fromEntries(payload.map((f) => [f.name, { size: f.size, sha256: f.sha256 }])),
    };
    // No timestamps: the same inputs give a byte-identical manifest.
    await writeFile(join(staging, names.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    const withManifest = [...payload, await describe(join(staging, names.manifest))];
    await writeFile(join(staging, names.sums), sha256Sums(withManifest));

    await removeTree(input.outDir);
    await rename(staging, input.outDir);
  } finally {
    await removeTree(staging);
  }
  const files = await Promise.all(Object.values(names).map((n) => describe(join(input.outDir, n))));
  return { dir: input.outDir, manifest: await readManifest(input.outDir), files };
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function readManifest(dir: string): Promise<BundleManifest> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  } catch {
    throw new UserError(`${dir} has no readable manifest.json; make the bundle again.`);
  }
}

/**
 * Checks a bundle made earlier before it is published: every file present, SHA256SUMS right, and
 * the manifest's version equal to `version`. Returns its files, SHA256SUMS last.
 */
export async function verifyBundle(dir: string, version: string): Promise<Bundle> {
  if (!(await exists(dir)))
    throw new UserError(`The bundle directory ${dir} does not exist; make the bundle first.`);
  const names = bundleFileNames(version);
  const manifest = await readManifest(dir);
  if (manifest.version !== version) {
    throw new UserError(
      `The bundle in ${dir} is for version ${manifest.version}, not ${version}; make the bundle again.`,
    );
  }
  const files: BundleFile[] = [];
  for (const name of Object.values(names)) {
    const path = join(dir, name);
    if (!(await exists(path)))
      throw new UserError(`The bundle in ${dir} lacks ${name}; make the bundle again.`);
    files.push(await describe(path));
  }
  const sums = await readFile(join(dir, names.sums), 'utf8');
  const expected = sha256Sums(files.filter((f) => f.name !== names.sums));
  if (sums !== expected) {
    throw new UserError(
      `The bundle in ${dir} does not match its SHA256SUMS; make the bundle again.`,
    );
  }
  return { dir, manifest, files };
}
