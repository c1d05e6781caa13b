import { mkdtemp, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { exists, removeTree } from '../util/fs.js';
import { sha256File } from '../util/hash.js';
import { git, gitMaybe } from './git.js';
import { tagName } from './tag.js';

/**
 * `faasm-python verify`: a release anyone can check. The release directory holds the assets and
 * SHA256SUMS; its manifest.json names the version, so the tag v<version>. The tag is checked out
 * (a git worktree in a temp dir), that checkout's own build makes the bundle in a scratch cache,
 * and every file SHA256SUMS names is compared with the rebuild byte for byte (by sha256), each
 * one that differs named.
 */

/** A mistake in what verify was given (not a release dir, no SHA256SUMS, an unknown tag): exit 2. */
export class VerifyInputError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyInputError';
  }
}

export interface Release {
  dir: string;
  version: string;
  tag: string;
  /** SHA256SUMS: file name -> sha256, in the file's order. */
  sums: Map<string, string>;
}

/** `<sha256>  <name>` lines (a `*` before the name, binary mode, is allowed), nothing else. */
export function parseSums(text: string, where: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{64}) [ *]([^/\\]+)$/.exec(line);
    if (!m) {
      throw new VerifyInputError(
        `${where} line ${i + 1} is not '<sha256>  <file name>'; pass a release's own SHA256SUMS.`,
      );
    }
    sums.set(m[2]!, m[1]!);
  }
  if (sums.size === 0)
    throw new VerifyInputError(`${where} lists no files; pass a release's own SHA256SUMS.`);
  return sums;
}

/** The release directory's SHA256SUMS and the version its manifest.json records. */
export async function readRelease(dir: string): Promise<Release> {
  const abs = resolve(dir);
  if (!(await stat(abs).catch(() => undefined))?.isDirectory()) {
    throw new VerifyInputError(
      `${abs} is not a directory; pass the directory holding a release's assets and its SHA256SUMS.`,
    );
  }
  const sumsPath = join(abs, 'SHA256SUMS');
  if (!(await exists(sumsPath))) {
    throw new VerifyInputError(
      `${abs} has no SHA256SUMS, so it is not a release directory; download the release's assets with its SHA256SUMS into it.`,
    );
  }
  const sums = parseSums(await readFile(sumsPath, 'utf8'), sumsPath);
  let version: unknown;
  try {
    version = JSON.parse(await readFile(join(abs, 'manifest.json'), 'utf8')).version;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string' || !sums.has('manifest.json')) {
    throw new VerifyInputError(
      `${abs} has no manifest.json with a version listed in its SHA256SUMS; download the release's manifest.json too.`,
    );
  }
  return { dir: abs, version, tag: tagName(version), sums };
}

export type FileVerdict =
  | { name: string; status: 'same'; sha256: string }
  /** The rebuild made other bytes. */
  | { name: string; status: 'differs'; expected: string; rebuilt: string }
  /** SHA256SUMS names it; the rebuild has no such file. */
  | { name: string; status: 'missing'; expected: string }
  /** The rebuild has it; SHA256SUMS does not name it. */
  | { name: string; status: 'extra'; rebuilt: string }
  /** The release directory's own copy does not match its SHA256SUMS. */
  | { name: string; status: 'damaged'; expected: string; actual: string | undefined };

async function shaOrUndefined(path: string): Promise<string | undefined> {
  return (await exists(path)) ? sha256File(path) : undefined;
}

/**
 * Each file SHA256SUMS names, compared with the same name in `rebuilt` (and the release dir's own
 * copy, when it is there, with SHA256SUMS); then what the rebuild has beyond SHA256SUMS.
 */
export async function compareWithSums(release: Release, rebuilt: string): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = [];
  for (const [name, expected] of release.sums) {
    const actual = await shaOrUndefined(join(release.dir, name));
    if (actual !== undefined && actual !== expected) {
      verdicts.push({ name, status: 'damaged', expected, actual });
      continue;
    }
    const got = await shaOrUndefined(join(rebuilt, name));
    if (got === undefined) verdicts.push({ name, status: 'missing', expected });
    else if (got !== expected) verdicts.push({ name, status: 'differs', expected, rebuilt: got });
    else verdicts.push({ name, status: 'same', sha256: got });
  }
  for (const name of (await readdir(rebuilt)).sort()) {
    if (name !== 'SHA256SUMS' && !release.sums.has(name)) {
      verdicts.push({ name, status: 'extra', rebuilt: await sha256File(join(rebuilt, name)) });
    }
  }
  return verdicts;
}

/** One line per file: what matched and, for each difference, both sha256. */
export function describeVerdict(v: FileVerdict): string {
  const short = (s: string) => s.slice(0, 16);
  switch (v.status) {
    case 'same':
      return `same     ${v.name}`;
    case 'differs':
      return `DIFFERS  ${v.name}: the release has sha256 ${short(v.expected)}..., the rebuild ${short(v.rebuilt)}...`;
    case 'missing':
      return `MISSING  ${v.name}: SHA256SUMS lists it, the rebuild did not make it`;
    case 'extra':
      return `EXTRA    ${v.name}: the rebuild made it, SHA256SUMS does not list it`;
    case 'damaged':
      return `DAMAGED  ${v.name}: the release directory's copy is not what SHA256SUMS says (${v.actual ? short(v.actual) : 'missing'}... for ${short(v.expected)}...)`;
  }
}

/** The commit of `tag` in `repo`, or a VerifyInputError naming the tag and where it came from. */
export async function tagCommit(repo: string, release: Release): Promise<string> {
  if (!(await gitMaybe(repo, ['rev-parse', '--git-dir']))) {
    throw new VerifyInputError(
      `${repo} is not a git repository; pass --repo with a clone of faasm-python holding the tag ${release.tag}.`,
    );
  }
  const commit = await gitMaybe(repo, [
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/tags/${release.tag}^{commit}`,
  ]);
  if (!commit) {
    throw new VerifyInputError(
      `The tag ${release.tag} (version ${release.version}, from ${join(release.dir, 'manifest.json')}) is not in ${repo}; fetch it (git fetch --tags) or pass --repo.`,
    );
  }
  return commit;
}

/**
 * The checkout's dependencies: the running checkout's node_modules when both lock files are the
 * same bytes (the same packages), else `npm ci` in the checkout; nothing for a checkout with no
 * package.json.
 */
async function installDependencies(checkout: string, self: string, log: string): Promise<void> {
  if (!(await exists(join(checkout, 'package.json')))) return;
  const lock = (dir: string) => readFile(join(dir, 'package-lock.json'), 'utf8').catch(() => '');
  const own = await lock(self);
  if (own && own === (await lock(checkout)) && (await exists(join(self, 'node_modules')))) {
    await symlink(join(self, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    return;
  }
  await exec('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: checkout,
    log,
    timeoutMs: 30 * 60_000,
  });
}

export interface VerifyOptions {
  /** The release directory: assets, manifest.json, SHA256SUMS. */
  releaseDir: string;
  /** The git repository holding the tag. */
  repo: string;
  /** The checkout this faasm-python runs from (its node_modules may be reused). */
  self: string;
  /** Build with this cache instead of a fresh, empty one (faster; only as strong as that cache). */
  cacheDir?: string;
  jobs?: number;
  /** Keep the scratch directory (checkout, cache, log). */
  keep?: boolean;
  info?: (message: string) => void;
}

export interface VerifyReport {
  release: Release;
  commit: string;
  verdicts: FileVerdict[];
  /** Where the checkout, the scratch cache and the build log were (gone unless kept). */
  scratch: string;
}

/** The build output (`build bundle --json`) names the bundle layer's directory. */
function bundleDirFrom(stdout: string, tag: string): string {
  let dir: unknown;
  try {
    const out = JSON.parse(stdout) as { layers?: { name: string; dir?: string }[] };
    dir = out.layers?.find((l) => l.name === 'bundle')?.dir;
  } catch {
    dir = undefined;
  }
  if (typeof dir !== 'string') {
    throw new UserError(
      `The build of ${tag} did not say where its bundle is ('build bundle --json' gave no layer 'bundle' with a 'dir'); that tag's faasm-python is too old to verify.`,
    );
  }
  return join(dir, 'bundle');
}

/** Checks out the release's tag, rebuilds its bundle there, and compares it with SHA256SUMS. */
export async function verifyRelease(opts: VerifyOptions): Promise<VerifyReport> {
  const info = opts.info ?? (() => {});
  const release = await readRelease(opts.releaseDir);
  const repo = resolve(opts.repo);
  const commit = await tagCommit(repo, release);
  const scratch = await mkdtemp(join(tmpdir(), 'faasm-verify-'));
  const checkout = join(scratch, 'src');
  const log = join(scratch, 'verify.log');
  let added = false;
  try {
    await git(repo, ['worktree', 'add', '--detach', checkout, commit], log);
    added = true;
    await installDependencies(checkout, opts.self, log);
    const cacheDir = opts.cacheDir ? resolve(opts.cacheDir) : join(scratch, 'cache');
    info(
      `${release.tag} (${commit.slice(0, 12)}) checked out in ${checkout}; building its bundle with ${opts.cacheDir ? `the cache ${cacheDir}` : 'a fresh, empty cache'} (log: ${log})`,
    );
    const args = ['bin/faasm-python.js', 'build', 'bundle', '--cache-dir', cacheDir, '--json'];
    if (opts.jobs) args.push('--jobs', String(opts.jobs));
    const built = await exec(process.execPath, args, {
      cwd: checkout,
      log,
      // Its progress shown; its stdout is the JSON read below.
      echo: 'stderr',
      tailLines: 40,
      // The tag's own build, and nothing but it: never a layer from the Actions cache.
      env: { FAASM_PYTHON_ACTIONS_CACHE: '0', FAASM_PYTHON_CACHE: undefined },
    });
    const verdicts = await compareWithSums(release, bundleDirFrom(built.stdout, release.tag));
    return { release, commit, verdicts, scratch };
  } finally {
    if (!opts.keep) {
      if (added) await gitMaybe(repo, ['worktree', 'remove', '--force', checkout]);
      await removeTree(scratch);
      if (added) await gitMaybe(repo, ['worktree', 'prune']);
    }
  }
}
