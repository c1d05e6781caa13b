// Unpacking archives member by member, refusing any member that escapes its tree.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';

/** One archive member as the archiver itself reads it. */
export interface Member {
  name: string;
  /** The archiver's type letter: `-` file, `d` directory, `l` symlink, `h` hard link, ... */
  type: string;
  /** A link's target. */
  link?: string;
}

/** Undoes GNU tar's `--quoting-style=c`: `\\`, `\"`, `\n`... and octal bytes, read as UTF-8. */
function unquote(quoted: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, b: 8, a: 7 };
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = quoted[++i] ?? '';
    const octal = /^[0-7]{3}/.exec(quoted.slice(i))?.[0];
    if (octal) {
      bytes.push(parseInt(octal, 8));
      i += 2;
    } else bytes.push(simple[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const TAR_LINE = new RegExp(
  `^(\\S)\\S{9}\\s+\\S+\\s+\\S+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?\\s+${QUOTED}(?: (?:->|link to) ${QUOTED})?$`,
);
// zipinfo: mode, version, os, size, type, method, date, time, name (links hold their target).
const ZIP_LINE = /^(\S)\S*\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\d\d-\w{3}-\d\d \d\d:\d\d (.*)$/;

/** The members of a tarball, as tar lists them (names as stored: -P keeps a leading `/`). */
async function tarMembers(archive: string): Promise<Member[]> {
  const { stdout } = await exec(
    'tar',
    ['-tv', '-P', '--quoting-style=c', '--numeric-owner', '--full-time', '-f', archive],
    { env: { LC_ALL: 'C' } },
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = TAR_LINE.exec(line);
      if (!m) throw refusal(archive, `tar lists a member this check cannot read (${line})`);
      return {
        type: m[1]!,
        name: unquote(m[2]!),
        ...(m[3] !== undefined ? { link: unquote(m[3]) } : {}),
      };
    });
}

async function zipMembers(archive: string): Promise<Member[]> {
  const { stdout } = await exec('unzip', ['-Z', archive]);
  const lines = stdout.split('\n').filter((l) => ZIP_LINE.test(l));
  return lines.map((l) => {
    const m = ZIP_LINE.exec(l)!;
    // A zip keeps a link's target as its content; no wheel or sdist here needs one.
    if (m[1] === 'l') throw refusal(archive, `member ${m[2]} is a symbolic link`);
    // unzip makes only files and directories ('?' is a file without Unix attributes).
    return { type: m[1] === 'd' ? 'd' : '-', name: m[2]! };
  });
}

function refusal(archive: string, why: string): UserError {
  return new UserError(`Refusing to unpack ${basename(archive)}: ${why}.`);
}

/** `dir/rel` without normalising: `a/..` must be resolved after `a`'s own link, not before. */
const joinRaw = (dir: string, rel: string) => (dir ? `${dir}/${rel}` : rel);

/**
 * Where `path` (relative to the unpacked tree, which may pass through the archive's own
 * symlinks) really lands, or undefined when it leaves the tree. Links are followed as the
 * kernel would, up to a depth, over the archive's view of the tree.
 */
function resolveInside(path: string, links: Map<string, string>, depth = 0): string | undefined {
  if (depth > 40 || path.startsWith('/')) return undefined;
  const done: string[] = [];
  const parts = path.split('/').filter((p) => p && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '..') {
      if (!done.length) return undefined;
      done.pop();
      continue;
    }
    done.push(part);
    const target = links.get(done.join('/'));
    if (target === undefined || i === parts.length - 1) continue;
    // An intermediate link: continue from where it points.
    if (target.startsWith('/')) return undefined;
    done.pop();
    const via = resolveInside(joinRaw(done.join('/'), target), links, depth + 1);
    if (via === undefined) return undefined;
    done.splice(0, done.length, ...via.split('/').filter(Boolean));
  }
  return done.join('/');
}

/**
 * Refuses an archive before anything is unpacked when a member is an absolute path, climbs out
 * with `..`, is a device, fifo or socket, or is a link (symbolic or hard) that leads outside
 * the unpacked tree. `strip` leading components are dropped, as tar's --strip-components does.
 */
export function checkMembers(archive: string, members: readonly Member[], strip: number): void {
  const stripped = (name: string) =>
    name
      .split('/')
      .filter((p) => p && p !== '.')
      .slice(strip)
      .join('/');
  const links = new Map<string, string>();
  for (const m of members) {
    const raw = m.name;
    if (raw.startsWith('/')) throw refusal(archive, `member ${raw} is an absolute path`);
    if (raw.split('/').includes('..')) throw refusal(archive, `member ${raw} climbs out with '..'`);
    if (!['-', 'd', 'l', 'h'].includes(m.type)) {
      throw refusal(archive, `member ${raw} is a device or special file (type '${m.type}')`);
    }
    if (m.type === 'l') links.set(stripped(raw), m.link ?? '');
  }
  for (const m of members) {
    const name = stripped(m.name);
    if (!name) continue;
    const parent = posix.dirname(name) === '.' ? '' : posix.dirname(name);
    if (parent && resolveInside(parent, links) === undefined) {
      throw refusal(archive, `member ${m.name} is written through a link that leads outside`);
    }
    if (m.type === 'l') {
      const target = m.link ?? '';
      if (target.startsWith('/') || resolveInside(joinRaw(parent, target), links) === undefined) {
        throw refusal(archive, `member ${m.name} is a link to ${target}, outside the archive`);
      }
    }
    if (m.type === 'h') {
      const target = m.link ?? '';
      if (target.startsWith('/') || target.split('/').includes('..') || !stripped(target)) {
        throw refusal(archive, `member ${m.name} is a hard link to ${target}, outside the archive`);
      }
    }
  }
}

const isZip = (archive: string) => archive.endsWith('.zip') || archive.endsWith('.whl');

/** Lists and checks an archive's members without unpacking anything (for checks at the door). */
export async function checkArchive(archive: string): Promise<void> {
  if (archive.endsWith('.deb')) {
    await withDebData(archive, async (data) => checkMembers(archive, await tarMembers(data), 0));
  } else if (isZip(archive)) {
    checkMembers(archive, await zipMembers(archive), 0);
  } else {
    checkMembers(archive, await tarMembers(archive), 1);
  }
}

/** Runs `use` on the data tarball of a .deb, taken out with ar into a scratch directory. */
async function withDebData<T>(deb: string, use: (data: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), 'faasm-python-deb-'));
  try {
    await exec('ar', ['x', resolve(deb)], { cwd: scratch });
    const data = (await readdir(scratch)).find((f) => f.startsWith('data.tar'));
    if (!data) throw refusal(deb, 'it holds no data.tar member');
    return await use(join(scratch, data));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Unpacks a verified archive into `dest`, member by member checked first (see checkMembers),
 * dropping a tarball's top directory (whose name differs between upstream and Debian's orig
 * tarballs). A .deb, a .zip or a wheel is extracted whole.
 */
export async function unpack(archive: string, dest: string, log?: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const safe = ['--no-same-owner'];
  if (archive.endsWith('.deb')) {
    await withDebData(archive, async (data) => {
      checkMembers(archive, await tarMembers(data), 0);
      await exec('tar', ['-xf', data, '-C', dest, ...safe], { log });
    });
  } else if (isZip(archive)) {
    // A wheel is a zip of the installed files: no top directory to drop.
    checkMembers(archive, await zipMembers(archive), 0);
    await exec('unzip', ['-q', archive, '-d', dest], { log });
  } else {
    checkMembers(archive, await tarMembers(archive), 1);
    await exec('tar', ['-xf', archive, '-C', dest, '--strip-components=1', ...safe], { log });
  }
}
