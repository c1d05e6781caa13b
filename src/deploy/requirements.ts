/**
 * A deployment's requirements file, in pip's format: one requirement per line (`name`,
 * `name==1.2`, `name>=1,<2`), comments, line continuations, `-r other.txt` and per-line
 * `--hash`. What this runtime cannot honour (URLs, paths, editables, extras, environment
 * markers, index options, constraints files, a requirement without a hash under
 * `--require-hashes`) is refused with one sentence naming the file and line.
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { type Specifier, parseSpecifiers } from './pep440.js';

export interface Requirement {
  /** PEP 503 normalised: lower case, runs of `-_.` as one `-`. */
  name: string;
  specifiers: Specifier[];
  /** sha256 hashes the chosen source must have one of (`--hash=sha256:...`). */
  hashes: string[];
  /** `file:line` of each line that named it. */
  where: string[];
}

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Options that change where pip looks or what it may pick: not honoured here. */
const INDEX_OPTIONS = [
  '-i', '--index-url', '--extra-index-url', '--no-index', '-f', '--find-links', '--pre',
  '--prefer-binary', '--only-binary', '--no-binary', '--trusted-host', '--use-feature',
]; // prettier-ignore

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(.*)$/;

/** Logical lines: continuations joined, comments and blank lines dropped, with line numbers. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!pending) start = i + 1;
    // A comment starts at a '#' at the start of the line or after whitespace (pip's rule).
    const noComment = raw.replace(/(^|\s)#.*$/, '');
    if (/\\$/.test(noComment)) {
      pending += noComment.slice(0, -1);
      return;
    }
    const full = (pending + noComment).trim();
    pending = '';
    if (full) out.push({ line: start, text: full });
  });
  if (pending.trim()) out.push({ line: start, text: pending.trim() });
  return out;
}

interface Parsed {
  requireHashes: boolean;
  lines: { where: string; text: string; hashes: string[] }[];
}

async function readOne(file: string, shown: string, seen: string[], into: Parsed): Promise<void> {
  if (seen.includes(file)) {
    throw new UserError(
      `${shown}: is included again through -r (${[...seen, file].map((f) => relative(process.cwd(), f) || f).join(' -> ')}); remove the cycle.`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`There is no requirements file ${shown}; check the path.`);
  }
  for (const { line, text: l } of logicalLines(text)) {
    const where = `${shown}:${line}`;
    const include = /^(?:-r|--requirement)(?:\s*=\s*|\s+)(\S+)$/.exec(l);
    if (include) {
      const target = resolve(dirname(file), include[1]!);
      const name = relative(process.cwd(), target) || target;
      await readOne(target, name, [...seen, file], into);
      continue;
    }
    if (/^--require-hashes$/.test(l)) {
      into.requireHashes = true;
      continue;
    }
    if (/^(-c|--constraint)\b/.test(l)) {
      throw new UserError(
        `${where}: constraints files (-c) are not supported; pin the packages in the requirements file itself.`,
      );
    }
    if (/^(-e|--editable)\b/.test(l)) {
      throw new UserError(
        `${where}: editable requirements (-e) cannot be deployed; every package is built into the runtime, so name a released version.`,
      );
    }
    const option = INDEX_OPTIONS.find(
      (o) => l === o || l.startsWith(`${o} `) || l.startsWith(`${o}=`),
    );
    if (option) {
      throw new UserError(
        `${where}: '${option}' is not honoured; packages come from their recipes (third-party/modules) or the index pip is configured with, so remove the line.`,
      );
    }
    if (l.startsWith('-')) {
      throw new UserError(
        `${where}: '${l.split(/\s/)[0]!}' is not an option of a requirements file this runtime honours; remove it.`,
      );
    }
    // --hash options follow the requirement on its line.
    const hashes: string[] = [];
    const req = l
      .replace(/\s--hash[=\s]\s*(\S+)/g, (_, h: string) => {
        const m = /^sha256:([0-9a-f]{64})$/i.exec(h);
        if (!m)
          throw new UserError(
            `${where}: --hash ${h} is not sha256:<64 hex characters>; the sources are pinned by sha256.`,
          );
        hashes.push(m[1]!.toLowerCase());
        return '';
      })
      .trim();
    if (/\s--\S/.test(` ${req}`))
      throw new UserError(
        `${where}: only --hash may follow a requirement on its line; remove '${/--\S+/.exec(req)![0]}'.`,
      );
    into.lines.push({ where, text: req, hashes });
  }
}

/** One requirement line's name and specifiers, or the sentence saying why it cannot be deployed. */
export function parseRequirementLine(
  text: string,
  where: string,
): Omit<Requirement, 'hashes' | 'where'> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /\s@\s|^[^\s@]+@/.test(text) || /^git\+/.test(text))
    throw new UserError(
      `${where}: '${text}' names a URL; a deployment takes packages by name and version (name==1.2.3), each built from a pinned source.`,
    );
  if (/^[./~]|\.(whl|tar\.gz|zip|tgz)$/i.test(text) || text.includes('/'))
    throw new UserError(
      `${where}: '${text}' is a local path or archive; a deployment takes packages by name and version (name==1.2.3).`,
    );
  const m = NAME.exec(text);
  if (!m)
    throw new UserError(
      `${where}: '${text}' is not a requirement; write name, name==1.2.3 or name>=1.2.`,
    );
  let rest = m[2]!;
  if (rest.startsWith('['))
    throw new UserError(
      `${where}: extras (${m[1]}${rest.split(']')[0]}]) are not supported; list the packages the extra adds by name.`,
    );
  if (rest.includes(';'))
    throw new UserError(
      `${where}: environment markers ('${rest.slice(rest.indexOf(';') + 1).trim()}') are not supported; the target is always wasm32-wasi, so list only what it needs.`,
    );
  // `name (>=1.2)`: the old parenthesised form pip still takes.
  if (/^\(.*\)$/.test(rest)) rest = rest.slice(1, -1);
  const specs = parseSpecifiers(rest);
  if (typeof specs === 'string')
    throw new UserError(
      `${where}: '${specs}' is not a version specifier; write ==1.2.3, >=1.2, ~=1.2 or a list such as >=1.2,<2.`,
    );
  return { name: normaliseName(m[1]!), specifiers: specs };
}

/**
 * The requirements of `file` (and of the files it includes), one per package: a package named
 * twice has both lines' specifiers, as pip combines them.
 */
export async function readRequirements(file: string): Promise<Requirement[]> {
  const parsed: Parsed = { requireHashes: false, lines: [] };
  const abs = resolve(file);
  await readOne(abs, file, [], parsed);
  const byName = new Map<string, Requirement>();
  for (const l of parsed.lines) {
    const r = parseRequirementLine(l.text, l.where);
    if (parsed.requireHashes && !l.hashes.length)
      throw new UserError(
        `${l.where}: ${r.name} has no --hash, and the file asks for --require-hashes; add its sha256.`,
      );
    const seen = byName.get(r.name);
    if (seen) {
      seen.specifiers.push(...r.specifiers);
      seen.hashes.push(...l.hashes);
      seen.where.push(l.where);
    } else {
      byName.set(r.name, { ...r, hashes: l.hashes, where: [l.where] });
    }
  }
  if (!byName.size)
    throw new UserError(`${file} names no package; list at least one (name==1.2.3), one per line.`);
  return [...byName.values()];
}

/** `name>=1,<2` as pip would read it back. */
export function requirementText(r: Pick<Requirement, 'name' | 'specifiers'>): string {
  return `${r.name}${r.specifiers.map((s) => `${s.op}${s.version}`).join(',')}`;
}
