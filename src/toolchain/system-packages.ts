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

let updated = false;

/**
 * Makes sure the packages are installed, with apt-get when that is possible; otherwise stops
 * with the exact command to run.
 */
export async function ensurePackages(packages: readonly SystemPackage[], log?: string) {
  const missing: SystemPackage[] = [];
  for (const p of packages) if (!(await present(p.provides))) missing.push(p);
  if (missing.length === 0) return [];
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
  try {
    if (!updated) await exec(cmd, [...pre, 'update', '-q'], { env, log });
    updated = true;
    await exec(cmd, [...pre, 'install', '-y', '-q', '--no-install-recommends', ...names], {
      env,
      log,
    });
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
  return names;
}
