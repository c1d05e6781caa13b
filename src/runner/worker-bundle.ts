/**
 * The call worker as one plain JavaScript file, for hosts running from the TypeScript sources.
 *
 * Why: a worker that loads the sources through tsx starts its own loader-hooks thread and
 * transpiles every import through it, about 0.6 s before the first call can start (bench:
 * first_call_ms). A bundle made by esbuild (tsx's own compiler) starts like any worker. It is
 * made once per change of its sources and kept in the cache, named by the hash of everything it
 * was made from, so a stale bundle is never run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachePaths, defaultCacheDir, REPO_ROOT } from '../paths.js';

const ENTRY = join(REPO_ROOT, 'src', 'runner', 'worker.ts');
/** The one module of the worker's graph that reads import.meta.url (for REPO_ROOT). */
const PATHS_MODULE = join(REPO_ROOT, 'src', 'paths.ts');

let made: string | undefined;

/** The path of an up-to-date worker bundle in the cache, made when there is none. */
export function workerBundle(): string {
  made ??= bundle(ENTRY, join(cachePaths(defaultCacheDir()).tools, 'worker'));
  return made;
}

/**
 * `entry` and what it imports as one ES module in `dir`, named by the hash of its inputs: the
 * bundle made last is used while none of its inputs changed, and made again when one did.
 */
export function bundle(entry: string, dir: string): string {
  // One manifest per entry path: checkouts sharing a cache each run their own sources.
  const where = createHash('sha256').update(entry).digest('hex').slice(0, 12);
  const manifest = join(dir, `${basename(entry)}.${where}.inputs.json`);
  const inputs = readInputs(manifest);
  const key = inputs && inputsKey(inputs);
  if (key && existsSync(join(dir, `${key}.mjs`))) return join(dir, `${key}.mjs`);
  return build(entry, dir, manifest);
}

function build(entry: string, dir: string, manifest: string): string {
  // Loaded on use: only a host running from the sources needs esbuild.
  const out = esbuild().buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: REPO_ROOT,
    // The bundle lives in the cache; paths.ts must still find the checkout.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(PATHS_MODULE).href) },
  });
  const inputs = Object.keys(out.metafile.inputs).map((p) => resolve(REPO_ROOT, p));
  const file = join(dir, `${inputsKey(inputs)}.mjs`);
  mkdirSync(dir, { recursive: true });
  atomicWrite(file, out.outputFiles[0]!.contents);
  atomicWrite(manifest, JSON.stringify(inputs));
  return file;
}

/** Hash of the esbuild version and every input file's path and content. */
function inputsKey(inputs: string[]): string | undefined {
  const h = createHash('sha256').update(esbuild().version);
  try {
    for (const p of inputs) h.update(p).update('\0').update(readFileSync(p)).update('\0');
  } catch {
    return undefined; // an input is gone: build again
  }
  return h.digest('hex').slice(0, 32);
}

function readInputs(manifest: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return Array.isArray(v) && v.every((p) => typeof p === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

type Esbuild = typeof import('esbuild');
let esbuildModule: Esbuild | undefined;
function esbuild(): Esbuild {
  esbuildModule ??= createRequire(import.meta.url)('esbuild') as Esbuild;
  return esbuildModule;
}
