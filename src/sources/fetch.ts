// Fetching a pinned source by one of its routes (URL, Debian source package, local file), sha256
// verified.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { cachePaths } from '../paths.js';
import { type DownloadTimeouts, download } from '../util/download.js';
import { UserError, errorMessage } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { sha256File } from '../util/hash.js';
import { PrivateApt, debianMirror } from './apt.js';
import type { FetchedSource, SourceRoute } from './types.js';

export interface FetchOptions {
  cacheDir: string;
  repoRoot: string;
  log?: string;
  /** Extra directories searched for a source's file name before any route (a local mirror). */
  mirrorDirs?: string[];
  /** How long a download may wait for an answer or for more bytes. */
  timeouts?: DownloadTimeouts;
}

export function describeRoute(route: SourceRoute): string {
  switch (route.kind) {
    case 'url':
      return route.url;
    case 'debian-source':
      return `Debian source package ${route.package} (${route.suite})`;
    case 'debian-binary':
      return `Debian package ${route.package} (${route.suite})`;
    case 'debian-pool':
      return `Debian mirror ${route.path}`;
    case 'path':
      return route.path;
  }
}

function mirrorDirs(opts: FetchOptions): string[] {
  const fromEnv = (process.env.FAASM_PYTHON_SOURCES ?? '').split(':').filter(Boolean);
  return [...(opts.mirrorDirs ?? []), ...fromEnv];
}

/** Fetches by one route into `tmpDir` and returns the path of the file it yields. */
async function viaRoute(route: SourceRoute, tmpDir: string, opts: FetchOptions): Promise<string> {
  const apt = (suite: string) => new PrivateApt(cachePaths(opts.cacheDir).apt, suite, opts.log);
  switch (route.kind) {
    case 'url': {
      const dest = join(tmpDir, route.file);
      await download(route.url, dest, opts.timeouts);
      return dest;
    }
    case 'debian-source':
      await apt(route.suite).source(route.package, tmpDir);
      break;
    case 'debian-binary':
      await apt(route.suite).download(route.package, tmpDir);
      break;
    case 'debian-pool': {
      const dest = join(tmpDir, route.file);
      await download(
        `${(await debianMirror()).replace(/\/+$/, '')}/${route.path}`,
        dest,
        opts.timeouts,
      );
      return dest;
    }
    case 'path': {
      const p = route.path.startsWith('~/') ? join(homedir(), route.path.slice(2)) : route.path;
      const src = isAbsolute(p) ? p : resolve(opts.repoRoot, p);
      const dest = join(tmpDir, route.file);
      await copyFile(src, dest);
      return dest;
    }
  }
  const got = await readdir(tmpDir);
  const file = got.find((f) => f === route.file);
  if (!file) throw new Error(`it did not yield ${route.file} (got ${got.join(', ') || 'nothing'})`);
  return join(tmpDir, file);
}

/**
 * Gets a pinned source into the content-addressed sources cache, trying its routes in order.
 * A file is hashed before it is kept or unpacked; a mismatch is refused, never cached.
 */
export async function fetchSource(
  name: string,
  routes: readonly SourceRoute[],
  opts: FetchOptions,
): Promise<FetchedSource> {
  const cacheRoot = cachePaths(opts.cacheDir).sources;
  const cached = (r: SourceRoute) => join(cacheRoot, r.sha256, r.file);
  for (const route of routes) {
    if (await exists(cached(route))) return { route, path: cached(route) };
  }
  for (const dir of mirrorDirs(opts)) {
    for (const route of routes) {
      if (await exists(join(dir, route.file))) {
        return verifyAndKeep(name, route, join(dir, route.file), cached(route), false);
      }
    }
  }
  const failures: string[] = [];
  for (const route of routes) {
    const tmpDir = join(cacheRoot, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmpDir, { recursive: true });
    try {
      const file = await viaRoute(route, tmpDir, opts);
      return await verifyAndKeep(name, route, file, cached(route), true);
    } catch (err) {
      if (err instanceof UserError) throw err;
      failures.push(`${describeRoute(route)}: ${errorMessage(err).split('\n')[0]}`);
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
  }
  throw new UserError(
    `Could not fetch ${name} from any of its sources (${failures.join('; ')}); put ` +
      `${routes[0]?.file ?? 'the file'} in a directory named by FAASM_PYTHON_SOURCES to build offline.`,
  );
}

async function verifyAndKeep(
  name: string,
  route: SourceRoute,
  file: string,
  dest: string,
  move: boolean,
): Promise<FetchedSource> {
  const actual = await sha256File(file);
  if (actual !== route.sha256) {
    throw new UserError(
      `${route.file} for ${name} (from ${describeRoute(route)}) has sha256 ${actual} but ` +
        `${route.sha256} was expected; it was not unpacked or cached, so check where it came from.`,
    );
  }
  await mkdir(join(dest, '..'), { recursive: true });
  // Unique per call: one process may fetch the same file for two recipes at once.
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (move) await rename(file, tmp);
  else await copyFile(file, tmp);
  await rename(tmp, dest);
  return { route, path: dest };
}
