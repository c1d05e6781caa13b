/**
 * PEP 440 versions and specifiers, as far as a requirements file needs them: parsing a
 * version (epoch, release, pre, post, dev, local), comparing two, and checking a version
 * against a specifier set (`>=1.2,<2`, `~=1.4.2`, `==1.*`, `!=1.3`, `===text`).
 */

export interface Version {
  epoch: number;
  release: number[];
  /** ['a' | 'b' | 'rc', n] */
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: string;
}

const VERSION_RE =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

const PRE_NAMES: Record<string, string> = {
  alpha: 'a',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/** The version `text` means, or undefined when it is not a PEP 440 version. */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  const v: Version = { epoch: Number(m[1] ?? 0), release: m[2]!.split('.').map(Number) };
  if (m[3]) {
    const tag = m[3].toLowerCase();
    v.pre = [PRE_NAMES[tag] ?? tag, Number(m[4] || 0)];
  }
  if (m[5] !== undefined || m[6] !== undefined) v.post = Number(m[5] ?? (m[6] || 0));
  if (m[7] !== undefined) v.dev = Number(m[7] || 0);
  if (m[8]) v.local = m[8].toLowerCase().replace(/[-_]/g, '.');
  return v;
}

function compareRelease(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** The sort key of the pre/post/dev part, as `packaging` orders them. */
function suffixKey(v: Version): number[] {
  const PRE = { a: 0, b: 1, rc: 2 } as Record<string, number>;
  // A dev release with no pre or post sorts before every pre-release of the same release.
  const pre = v.pre
    ? [PRE[v.pre[0]]!, v.pre[1]]
    : v.dev !== undefined && v.post === undefined
      ? [-1, 0]
      : [3, 0];
  const post = v.post === undefined ? -1 : v.post;
  const dev = v.dev === undefined ? Infinity : v.dev;
  return [...pre, post, dev];
}

function compareLocal(a?: string, b?: string): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? 1 : -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** -1, 0 or 1: how `a` orders against `b`. */
export function compareVersions(a: Version, b: Version, withLocal = true): number {
  if (a.epoch !== b.epoch) return Math.sign(a.epoch - b.epoch);
  const r = compareRelease(a.release, b.release);
  if (r) return r;
  const ka = suffixKey(a);
  const kb = suffixKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return withLocal ? compareLocal(a.local, b.local) : 0;
}

export interface Specifier {
  op: '==' | '!=' | '>=' | '<=' | '>' | '<' | '~=' | '===';
  version: string;
}

const SPEC_RE = /^(===|==|!=|>=|<=|~=|>|<)\s*([^\s,;]+)$/;

/** `>=1.2, <2`: its clauses, or the first clause that is not one (as a string). */
export function parseSpecifiers(text: string): Specifier[] | string {
  const out: Specifier[] = [];
  if (!text.trim()) return out;
  for (const part of text.split(',')) {
    const m = SPEC_RE.exec(part.trim());
    if (!m) return part.trim();
    const op = m[1] as Specifier['op'];
    const version = m[2]!;
    const wild = version.endsWith('.*');
    if (op !== '===') {
      const bare = wild ? version.slice(0, -2) : version;
      if (!parseVersion(bare) || (wild && op !== '==' && op !== '!=')) return part.trim();
      if (op === '~=' && parseVersion(bare)!.release.length < 2) return part.trim();
    }
    out.push({ op, version });
  }
  return out;
}

function matchesOne(v: Version, text: string, s: Specifier): boolean {
  if (s.op === '===') return text.trim().toLowerCase() === s.version.toLowerCase();
  if (s.version.endsWith('.*')) {
    const prefix = parseVersion(s.version.slice(0, -2))!;
    const same =
      v.epoch === prefix.epoch &&
      prefix.release.every((n, i) => (v.release[i] ?? 0) === n) &&
      (prefix.pre === undefined || compareVersions({ ...v, local: undefined }, prefix) >= 0);
    return s.op === '==' ? same : !same;
  }
  const want = parseVersion(s.version)!;
  // A specifier without a local label ignores the candidate's.
  const cmp = compareVersions(v, want, want.local !== undefined);
  switch (s.op) {
    case '==':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '>':
      // >1.7 excludes 1.7.post1 and 1.7+local (PEP 440's exclusive ordered comparison).
      return (
        cmp > 0 &&
        !(
          compareRelease(v.release, want.release) === 0 &&
          want.post === undefined &&
          v.pre === undefined &&
          v.dev === undefined
        )
      );
    case '<':
      return cmp < 0 && !(v.pre && !want.pre && compareRelease(v.release, want.release) === 0);
    case '~=': {
      const prefix = want.release.slice(0, -1);
      return (
        cmp >= 0 && prefix.every((n, i) => (v.release[i] ?? 0) === n) && v.epoch === want.epoch
      );
    }
  }
  return false;
}

/** True when version `text` satisfies every specifier (an empty set takes any version). */
export function satisfies(text: string, specs: readonly Specifier[]): boolean {
  const v = parseVersion(text);
  if (!v)
    return specs.every((s) => s.op === '===' && matchesOne({ epoch: 0, release: [] }, text, s));
  return specs.every((s) => matchesOne(v, text, s));
}
