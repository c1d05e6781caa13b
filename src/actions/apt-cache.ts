import { access, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemPackage } from '../toolchain/system-packages.js';
import { UserError, errorMessage } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';
import { hashJson } from '../util/hash.js';

/**
 * The Actions cache key of the downloaded .deb files: the runner image (whose package set decides
 * which packages are missing and which versions apt picks) and the package list.
 */
export function debCacheKey(
  packages: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string {
  const image = `${env.ImageOS ?? process.platform}-${env.ImageVersion ?? 'local'}-${process.arch}`;
  return `faasm-python-debs-${image}-${hashJson([...packages].sort()).slice(0, 16)}`;
}

/** "Need to get 0 B/48.2 MB of archives." -> "0 B" (what apt downloads, after what it had). */
export function downloadSize(aptOutput: string): string | undefined {
  return /Need to get ([\d.,]+ [kMG]?B)(?:\/[\d.,]+ [kMG]?B)? of archives/.exec(aptOutput)?.[1];
}

type CacheModule = typeof import('@actions/cache');

/** @actions/cache when this runner has a cache service, else undefined (best effort). */
async function actionsCache(): Promise<CacheModule | undefined> {
  if (process.env.FAASM_PYTHON_ACTIONS_CACHE === '0') return undefined;
  if (!process.env.ACTIONS_RESULTS_URL && !process.env.ACTIONS_CACHE_URL) return undefined;
  const cache = await import('@actions/cache');
  return cache.isFeatureAvailable() ? cache : undefined;
}

async function present(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
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
 * Installs the missing packages with apt-get, keeping the .deb archives in `<cacheDir>/debs`
 * (Dir::Cache::Archives, given on the command line so it survives sudo's environment reset) and
 * saving them to the Actions cache. A warm job restores them first, so apt installs without
 * downloading them again.
 */
export async function installWithDebCache(
  packages: readonly SystemPackage[],
  cacheDir: string,
  log: string,
  warn: (message: string) => void,
): Promise<AptInstall> {
  const names = packages.map((p) => p.name);
  const key = debCacheKey(names);
  const missing: string[] = [];
  for (const p of packages) if (!(await present(p.provides))) missing.push(p.name);
  if (missing.length === 0) return { installed: [], cacheHit: false, key };

  const prefix =
    process.getuid?.() === 0
      ? []
      : (await probe('sudo', ['-n', 'true'])) !== undefined
        ? ['sudo', '-n']
        : undefined;
  if (!prefix || (await probe('apt-get', ['--version'])) === undefined) {
    throw new UserError(
      `Missing ${missing.join(', ')}; install with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  const debs = join(cacheDir, 'debs');
  await mkdir(join(debs, 'partial'), { recursive: true });
  // Globbed, so that only the archives are saved: apt leaves a root-only lock file beside them.
  const paths = [join(debs, '*.deb')];
  const cache = await actionsCache();
  let cacheHit = false;
  if (cache) {
    try {
      cacheHit = (await cache.restoreCache(paths, key)) === key;
    } catch (err) {
      warn(`Restoring the package archives from the Actions cache failed: ${errorMessage(err)}`);
    }
  }

  const [cmd = 'apt-get', ...pre] = [...prefix, 'apt-get'];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  let output: string;
  try {
    await exec(cmd, [...pre, 'update', '-q'], { env, log });
    const args = [
      'install',
      '-y',
      '-q',
      '--no-install-recommends',
      '-o',
      `Dir::Cache::Archives=${debs}/`,
    ];
    output = (await exec(cmd, [...pre, ...args, ...missing], { env, log })).stdout;
  } catch (err) {
    throw new UserError(
      `Installing ${missing.join(' ')} with apt-get failed (${errorMessage(err)}); see ${log}.`,
    );
  }
  // apt hands partial/ to its sandbox user and leaves a root-only lock: neither can be archived.
  await rmdir(join(debs, 'partial')).catch(() => undefined);
  await rm(join(debs, 'lock'), { force: true }).catch(() => undefined);

  const haveDebs = (await readdir(debs).catch(() => [] as string[])).some((f) =>
    f.endsWith('.deb'),
  );
  if (cache && !cacheHit && haveDebs) {
    try {
      await cache.saveCache(paths, key);
    } catch (err) {
      if (!/already exists|another job/i.test(errorMessage(err))) {
        warn(`Saving the package archives to the Actions cache failed: ${errorMessage(err)}`);
      }
    }
  }
  const downloaded = downloadSize(output);
  return { installed: missing, cacheHit, key, ...(downloaded ? { downloaded } : {}) };
}
