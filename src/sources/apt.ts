import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../util/exec.js';
import { exists } from '../util/fs.js';

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The Debian mirror this machine already uses, so a private apt config reaches the same one. */
export async function debianMirror(): Promise<string> {
  if (process.env.FAASM_PYTHON_DEBIAN_MIRROR) return process.env.FAASM_PYTHON_DEBIAN_MIRROR;
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s/m.exec(text);
    if (m?.[1] && !m[1].includes('security')) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/**
 * apt pointed at a private sources list, lists dir and cache for one suite, so fetching a
 * Debian package never touches the system's apt configuration. Lists are refreshed once a day.
 */
export class PrivateApt {
  private readonly dir: string;
  constructor(
    aptRoot: string,
    private readonly suite: string,
    private readonly log?: string,
  ) {
    this.dir = join(aptRoot, suite);
  }

  private options(): string[] {
    return [
      '-o', `Dir::Etc::SourceList=${join(this.dir, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(this.dir, 'lists')}`,
      '-o', `Dir::Cache=${join(this.dir, 'cache')}`,
      '-o', 'APT::Sandbox::User=root',
      '-o', 'Debug::NoLocking=1',
      // A mirror that stops answering fails the route instead of hanging the build.
      '-o', 'Acquire::http::Timeout=30',
      '-o', 'Acquire::https::Timeout=30',
      '-q',
    ]; // prettier-ignore
  }

  async update(force = false): Promise<void> {
    const stamp = join(this.dir, 'updated');
    const fresh = await readFile(stamp, 'utf8')
      .then((t) => Date.now() - Number(t) < 24 * 3600 * 1000)
      .catch(() => false);
    if (fresh && !force) return;
    const mirror = await debianMirror();
    await mkdir(join(this.dir, 'lists', 'partial'), { recursive: true });
    await mkdir(join(this.dir, 'cache', 'archives', 'partial'), { recursive: true });
    const signed = (await exists(KEYRING)) ? `[signed-by=${KEYRING}] ` : '';
    await writeFile(
      join(this.dir, 'sources.list'),
      `deb ${signed}${mirror} ${this.suite} main\ndeb-src ${signed}${mirror} ${this.suite} main\n`,
    );
    await exec('apt-get', [...this.options(), 'update'], { log: this.log });
    await writeFile(stamp, String(Date.now()));
  }

  /**
   * Downloads a source package's files into `dest`. A package whose .dsc is missing on the
   * mirror makes apt fail after the orig tarball has arrived: the caller checks for its file.
   */
  async source(pkg: string, dest: string): Promise<void> {
    await this.update();
    await mkdir(dest, { recursive: true });
    const args = [...this.options(), 'source', '--download-only', pkg];
    await exec('apt-get', args, { cwd: dest, log: this.log }).catch(async (err: unknown) => {
      if ((await readdir(dest)).length === 0) throw err;
    });
  }

  /**
   * apt-get install of `pkgs` as on an empty system (an empty package status, so nothing
   * installed here is taken as present), without recommends.
   */
  private async installClosure(pkgs: readonly string[], archives: string, extra: string[]) {
    await this.update();
    const status = join(this.dir, 'empty-status');
    await writeFile(status, '');
    await mkdir(join(archives, 'partial'), { recursive: true });
    const args = [
      ...this.options(),
      '-o', `Dir::State::status=${status}`,
      '-o', `Dir::Cache::Archives=${archives}/`,
      'install', '-y', '--no-install-recommends', ...extra, ...pkgs,
    ]; // prettier-ignore
    return exec('apt-get', args, { log: this.log, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }

  /** The .deb files `pkgs` and all they depend on are made of, sorted (nothing is downloaded). */
  async closure(pkgs: readonly string[], scratch: string): Promise<string[]> {
    const { stdout } = await this.installClosure(pkgs, scratch, ['--print-uris', '-qq']);
    return stdout
      .split('\n')
      .map((l) => /^'[^']+' (\S+\.deb) /.exec(l)?.[1])
      .filter((f): f is string => f !== undefined)
      .sort();
  }

  /** Downloads those .deb files into `dest`. */
  async downloadClosure(pkgs: readonly string[], dest: string): Promise<void> {
    await this.installClosure(pkgs, dest, ['--download-only']);
  }

  async download(pkg: string, dest: string): Promise<void> {
    await this.update();
    await mkdir(dest, { recursive: true });
    await exec('apt-get', [...this.options(), 'download', pkg], { cwd: dest, log: this.log });
  }
}
