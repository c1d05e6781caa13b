// A private apt (its own lists and cache) for fetching Debian packages without touching the
// system's.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock } from '../layers/lock.js';
import { UserError } from '../util/errors.js';
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

/** A binary package as a suite's index describes it: what pins it. */
export interface DebRecord {
  package: string;
  version: string;
  architecture: string;
  /** The pool path under the mirror (`pool/main/...`). */
  filename: string;
  size: number;
  sha256: string;
}

/** The records of `apt-cache show` output (stanzas separated by blank lines). */
export function parseDebRecords(text: string): DebRecord[] {
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => /^Package:/m.test(stanza))
    .map((stanza) => {
      const field = (name: string) => {
        const value = new RegExp(`^${name}: *(.*)$`, 'm').exec(stanza)?.[1]?.trim();
        if (!value) throw new Error(`apt-cache record without ${name}: ${stanza.slice(0, 80)}`);
        return value;
      };
      return {
        package: field('Package'),
        version: field('Version'),
        architecture: field('Architecture'),
        filename: field('Filename'),
        size: Number(field('Size')),
        sha256: field('SHA256'),
      };
    });
}

/** How long a successful update is trusted before the lists are fetched again. */
const LISTS_FRESH_MS = 24 * 3600 * 1000;

/**
 * The index files an update must leave for `suite`: its binary Packages and its Sources
 * (apt names them `<mirror path>_dists_<suite>_main_binary-<arch>_Packages` and
 * `..._main_source_Sources`, possibly compressed), and the binary Packages of each of `binaryOnly`
 * (the suite's backports, whose sources are never fetched).
 */
export function missingLists(
  files: readonly string[],
  suite: string,
  binaryOnly: readonly string[] = [],
): string[] {
  const packages = (s: string) => ({
    what: s === suite ? 'Packages' : `${s} Packages`,
    re: new RegExp(`_dists_${s}_main_binary-[a-z0-9]+_Packages(\\.\\w+)?$`),
  });
  const want = [
    packages(suite),
    { what: 'Sources', re: new RegExp(`_dists_${suite}_main_source_Sources(\\.\\w+)?$`) },
    ...binaryOnly.map(packages),
  ];
  return want.filter((w) => !files.some((f) => w.re.test(f))).map((w) => w.what);
}

/**
 * apt preferences taking every binary of the source packages `sources` from `backports`
 * (a suite's backports are pinned below the suite, so apt would otherwise never choose them,
 * and apt 2.6 does not carry a `pkg/suite` request over to the dependencies it needs).
 */
export function backportsPreferences(backports: string, sources: readonly string[]): string {
  return sources
    .map((s) => `Package: src:${s}\nPin: release n=${backports}\nPin-Priority: 990\n`)
    .join('\n');
}

/**
 * apt pointed at a private sources list, lists dir and cache for one suite, so fetching a
 * Debian package never touches the system's apt configuration.
 *
 * Several layers build at once and all of them may reach for the same suite, so every apt
 * run for a suite takes the suite's lock (apt's own locking is off: it fails instead of
 * waiting). An update counts only once the lists it must leave are there; its stamp is
 * written after that check, so a failed update is retried, never trusted for a day.
 */
export class PrivateApt {
  private readonly dir: string;
  /**
   * `binaryOnly`: further suites whose binary packages apt sees too (`trixie-backports`, for
   * pin-debian); such an apt has a directory of its own, so the suite's plain apt (which fetches
   * Debian sources for the builds) never sees them.
   */
  constructor(
    aptRoot: string,
    private readonly suite: string,
    private readonly log?: string,
    private readonly binaryOnly: readonly string[] = [],
  ) {
    this.dir = join(aptRoot, [suite, ...binaryOnly].join('+'));
  }

  private options(): string[] {
    return [
      '-o', `Dir::Etc::SourceList=${join(this.dir, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(this.dir, 'lists')}`,
      '-o', `Dir::Cache=${join(this.dir, 'cache')}`,
      '-o', 'APT::Sandbox::User=root',
      '-o', 'Debug::NoLocking=1',
      // Any index that cannot be fetched fails the update (apt's default only warns).
      '-o', 'APT::Update::Error-Mode=any',
      // A mirror that stops answering fails the route instead of hanging the build.
      '-o', 'Acquire::http::Timeout=30',
      '-o', 'Acquire::https::Timeout=30',
      '-q',
    ]; // prettier-ignore
  }

  /** Runs `fn` holding this suite's lock (between processes and within one). */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const release = await acquireLock(join(this.dir, 'lock'));
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  private stampPath(): string {
    return join(this.dir, 'updated');
  }

  private async fresh(): Promise<boolean> {
    const t = Number(await readFile(this.stampPath(), 'utf8').catch(() => 'NaN'));
    if (!(Date.now() - t < LISTS_FRESH_MS)) return false;
    const lists = await readdir(join(this.dir, 'lists')).catch(() => []);
    return missingLists(lists, this.suite, this.binaryOnly).length === 0;
  }

  async update(force = false): Promise<void> {
    if (!force && (await this.fresh())) return;
    await this.locked(() => this.updateLocked(force));
  }

  private async updateLocked(force: boolean): Promise<void> {
    // Another process may have updated while this one waited for the lock.
    if (!force && (await this.fresh())) return;
    await rm(this.stampPath(), { force: true });
    const mirror = await debianMirror();
    await mkdir(join(this.dir, 'lists', 'partial'), { recursive: true });
    await mkdir(join(this.dir, 'cache', 'archives', 'partial'), { recursive: true });
    const signed = (await exists(KEYRING)) ? `[signed-by=${KEYRING}] ` : '';
    await writeFile(
      join(this.dir, 'sources.list'),
      [
        `deb ${signed}${mirror} ${this.suite} main`,
        `deb-src ${signed}${mirror} ${this.suite} main`,
        ...this.binaryOnly.map((s) => `deb ${signed}${mirror} ${s} main`),
        '',
      ].join('\n'),
    );
    await exec('apt-get', [...this.options(), 'update'], { log: this.log });
    const missing = missingLists(
      await readdir(join(this.dir, 'lists')),
      this.suite,
      this.binaryOnly,
    );
    if (missing.length > 0) {
      throw new UserError(
        `apt-get update for Debian ${this.suite} from ${mirror} left no ${missing.join(' or ')} index; check that the mirror carries ${[this.suite, ...this.binaryOnly].join(' and ')} (or set FAASM_PYTHON_DEBIAN_MIRROR) and run the command again.`,
      );
    }
    await writeFile(this.stampPath(), String(Date.now()));
  }

  /**
   * Downloads a source package's files into `dest`. A package whose .dsc is missing on the
   * mirror makes apt fail after the orig tarball has arrived: the caller checks for its file.
   */
  async source(pkg: string, dest: string): Promise<void> {
    await this.update();
    await mkdir(dest, { recursive: true });
    const args = [...this.options(), 'source', '--download-only', pkg];
    await this.locked(() =>
      exec('apt-get', args, { cwd: dest, log: this.log }).catch(async (err: unknown) => {
        if ((await readdir(dest)).length === 0) throw err;
      }),
    );
  }

  /**
   * apt-get install of `pkgs` as on an empty system (an empty package status, so nothing
   * installed here is taken as present), without recommends; `preferences`, an apt preferences
   * file used instead of the machine's.
   */
  private async installClosure(
    pkgs: readonly string[],
    archives: string,
    extra: string[],
    preferences?: string,
  ) {
    await this.update();
    const status = join(this.dir, 'empty-status');
    await writeFile(status, '');
    await mkdir(join(archives, 'partial'), { recursive: true });
    const args = [
      ...this.options(),
      '-o', `Dir::State::status=${status}`,
      '-o', `Dir::Cache::Archives=${archives}/`,
      ...(preferences
        ? ['-o', `Dir::Etc::Preferences=${preferences}`, '-o', 'Dir::Etc::PreferencesParts=/dev/null']
        : []),
      'install', '-y', '--no-install-recommends', ...extra, ...pkgs,
    ]; // prettier-ignore
    return this.locked(() =>
      exec('apt-get', args, { log: this.log, env: { DEBIAN_FRONTEND: 'noninteractive' } }),
    );
  }

  /** The .deb files `pkgs` and all they depend on are made of, sorted (nothing is downloaded). */
  async closure(pkgs: readonly string[], scratch: string): Promise<string[]> {
    return (await this.closureUris(pkgs, scratch)).map((d) => d.file).sort();
  }

  /** The closure's .deb files with the URIs apt would fetch them from. */
  private async closureUris(pkgs: readonly string[], scratch: string, preferences?: string) {
    const { stdout } = await this.installClosure(
      pkgs,
      scratch,
      ['--print-uris', '-qq'],
      preferences,
    );
    return stdout
      .split('\n')
      .map((l) => /^'([^']+)' (\S+\.deb) /.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ uri: m[1]!, file: m[2]! }));
  }

  /**
   * Every .deb of `pkgs`' closure with the exact version, pool path and sha256 the suite's
   * index gives for it (read with apt-cache, nothing is downloaded), sorted by package name.
   * `preferences` as for installClosure (backportsPreferences).
   */
  async pinClosure(
    pkgs: readonly string[],
    scratch: string,
    preferences?: string,
  ): Promise<DebRecord[]> {
    const debs = await this.closureUris(pkgs, scratch, preferences);
    // name_version_arch.deb, the version's epoch colon written %3a.
    const specs = debs.map((d) => {
      const [name, version] = d.file.replace(/\.deb$/, '').split('_');
      return `${name}=${decodeURIComponent(version ?? '')}`;
    });
    const { stdout } = await this.locked(() =>
      exec('apt-cache', [...this.options(), '-o', `Dir::State::status=${join(this.dir, 'empty-status')}`, 'show', ...specs], { log: this.log }),
    ); // prettier-ignore
    const records = parseDebRecords(stdout);
    if (records.length !== specs.length) {
      throw new Error(`apt-cache show gave ${records.length} records for ${specs.length} packages`);
    }
    return records.sort((a, b) => a.package.localeCompare(b.package));
  }

  /** Downloads those .deb files into `dest`. */
  async downloadClosure(pkgs: readonly string[], dest: string): Promise<void> {
    await this.installClosure(pkgs, dest, ['--download-only']);
  }

  async download(pkg: string, dest: string): Promise<void> {
    await this.update();
    await mkdir(dest, { recursive: true });
    const args = [...this.options(), 'download', pkg];
    await this.locked(() => exec('apt-get', args, { cwd: dest, log: this.log }));
  }
}
