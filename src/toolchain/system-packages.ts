// The Debian packages a build needs: which are missing, and installing them.
import { access } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';

/** A Debian package and a file whose presence shows it is installed. */
export interface SystemPackage {
  name: string;
  provides: string;
}

async function present(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** How this process may install: directly as root, through passwordless sudo, or not at all. */
async function installPrefix(): Promise<string[] | undefined> {
  if (process.getuid?.() === 0) return [];
  if ((await probe('sudo', ['-n', 'true'])) !== undefined) return ['sudo', '-n'];
  return undefined;
}

/** The packages whose `provides` file is absent. */
export async function missingPackages(packages: readonly SystemPackage[]) {
  const missing: SystemPackage[] = [];
  for (const p of packages) if (!(await present(p.provides))) missing.push(p);
  return missing;
}

let updated = false;

export interface PackageInstall {
  /** Packages that were missing and are now installed. */
  installed: string[];
  /** apt-get install's output ('' when nothing was missing). */
  output: string;
}

/**
 * Makes sure the packages are installed, with apt-get when that is possible; otherwise stops
 * with the exact command to run. `archivesDir` keeps the downloaded .deb files there (given on
 * the command line, so it survives sudo's environment reset), for a cache to save.
 */
export async function ensurePackages(
  packages: readonly SystemPackage[],
  log?: string,
  archivesDir?: string,
): Promise<PackageInstall> {
  const missing = await missingPackages(packages);
  if (missing.length === 0) return { installed: [], output: '' };
  const names = missing.map((p) => p.name);
  const command = `sudo apt-get install -y ${names.join(' ')}`;
  const prefix = await installPrefix();
  const hasApt = (await probe('apt-get', ['--version'])) !== undefined;
  if (!prefix || !hasApt) {
    throw new UserError(
      `Missing ${missing.map((p) => `${p.name} (${p.provides})`).join(', ')}; install with: ${command}`,
    );
  }
  const [cmd = 'apt-get', ...pre] = [...prefix, 'apt-get'];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const archives = archivesDir ? ['-o', `Dir::Cache::Archives=${archivesDir}/`] : [];
  // A mirror that stops answering fails the install instead of hanging it (as PrivateApt).
  const timeouts = ['-o', 'Acquire::http::Timeout=30', '-o', 'Acquire::https::Timeout=30'];
  let output: string;
  try {
    if (!updated) await exec(cmd, [...pre, ...timeouts, 'update', '-q'], { env, log });
    updated = true;
    const install = [
      ...timeouts,
      'install',
      '-y',
      '-q',
      '--no-install-recommends',
      ...archives,
      ...names,
    ];
    output = (await exec(cmd, [...pre, ...install], { env, log })).stdout;
  } catch {
    throw new UserError(`Installing ${names.join(' ')} with apt-get failed; run: ${command}`);
  }
  for (const p of missing) {
    if (!(await present(p.provides))) {
      throw new UserError(
        `${p.name} installed but ${p.provides} is still missing; run: ${command}`,
      );
    }
  }
  return { installed: names, output };
}
