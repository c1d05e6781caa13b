// Installing Debian packages in an action from .deb archives kept in the Actions cache.
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionsCacheStore, type CacheScope } from '../layers/actions-store.js';
import {
  type SystemPackage,
  ensurePackages,
  missingPackages,
} from '../toolchain/system-packages.js';
import { hashJson } from '../util/hash.js';

/**
 * The Actions cache entry of the downloaded .deb files (the store adds the job's scope): the
 * runner image (whose package set decides which packages are missing and which versions apt
 * picks) and the package list.
 */
export function debCacheKey(
  packages: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string {
  const image = `${env.ImageOS ?? process.platform}-${env.ImageVersion ?? 'local'}-${process.arch}`;
  return `debs-${image}-${hashJson([...packages].sort()).slice(0, 16)}`;
}

/** "Need to get 0 B/48.2 MB of archives." -> "0 B" (what apt downloads, after what it had). */
export function downloadSize(aptOutput: string): string | undefined {
  return /Need to get ([\d.,]+ [kMG]?B)(?:\/[\d.,]+ [kMG]?B)? of archives/.exec(aptOutput)?.[1];
}

export interface AptInstall {
  /** Packages that were missing and are now installed. */
  installed: string[];
  /** The .deb files came from the Actions cache. */
  cacheHit: boolean;
  /** What apt downloaded ("0 B" on a warm cache), when it said. */
  downloaded?: string;
  key: string;
}

/**
 * Installs the missing packages with apt-get (ensurePackages), keeping the .deb archives in
 * `<cacheDir>/debs` and saving them to the Actions cache. A warm job restores them first, so apt
 * installs without downloading them again.
 */
export async function installWithDebCache(
  packages: readonly SystemPackage[],
  cacheDir: string,
  log: string,
  warn: (message: string) => void,
  scope: CacheScope,
): Promise<AptInstall> {
  const key = debCacheKey(packages.map((p) => p.name));
  if ((await missingPackages(packages)).length === 0) {
    return { installed: [], cacheHit: false, key };
  }
  const debs = join(cacheDir, 'debs');
  await mkdir(join(debs, 'partial'), { recursive: true });
  // Globbed, so that only the archives are saved: apt leaves a root-only lock file beside them.
  const archives = join(debs, '*.deb');
  const cache = await ActionsCacheStore.create(warn, scope);
  const cacheHit = cache ? await cache.restore(key, archives) : false;

  const { installed, output } = await ensurePackages(packages, log, debs);
  // apt hands partial/ to its sandbox user and leaves a root-only lock: neither can be archived.
  await rmdir(join(debs, 'partial')).catch(() => undefined);
  await rm(join(debs, 'lock'), { force: true }).catch(() => undefined);

  const haveDebs = (await readdir(debs).catch(() => [] as string[])).some((f) =>
    f.endsWith('.deb'),
  );
  if (cache && !cacheHit && haveDebs) await cache.save(key, archives);
  const downloaded = downloadSize(output);
  return { installed, cacheHit, key, ...(downloaded ? { downloaded } : {}) };
}
