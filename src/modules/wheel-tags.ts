// Which of a build requirement's pinned wheels the build Python can install. A requirement
// with compiled code (Cython) is pinned once per CPython line, each wheel a route of its own;
// the build takes the ones whose tags fit, as pip would (PEP 425: python tag, abi tag).
import type { SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';

/** A wheel's python and abi tags (`cp313`, `abi3`, `none`), or undefined if not a wheel. */
export function wheelTags(file: string): { python: string[]; abi: string[] } | undefined {
  if (!file.endsWith('.whl')) return undefined;
  const parts = file.slice(0, -4).split('-');
  // name-version[-build]-python-abi-platform
  if (parts.length < 5) return undefined;
  const [python, abi] = parts.slice(-3, -1) as [string, string];
  return { python: python.split('.'), abi: abi.split('.') };
}

/** True when CPython `version` (3.13.5) can install the wheel named `file` (or it is no wheel). */
export function wheelFits(file: string, version: string): boolean {
  const tags = wheelTags(file);
  if (!tags) return true;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  const cp = `cp${major}${minor}`;
  return tags.python.some((py) => {
    if (py === `py${major}` || py === `py${major}${minor}`) return tags.abi.includes('none');
    const m = /^cp(\d)(\d+)$/.exec(py);
    if (!m || Number(m[1]) !== major) return false;
    if (tags.abi.includes('abi3')) return Number(m[2]) <= minor;
    return py === cp && (tags.abi.includes(cp) || tags.abi.includes('none'));
  });
}

/**
 * The routes of `what` the build Python of `version` can use; one clear sentence when none can,
 * naming the fix.
 */
export function routesForPython(
  what: string,
  routes: readonly SourceRoute[],
  version: string,
): SourceRoute[] {
  const fit = routes.filter((r) => wheelFits(r.file, version));
  if (fit.length === 0) {
    const files = routes.map((r) => r.file).join(', ');
    throw new UserError(
      `${what} is pinned only as wheels for other Pythons (${files}), none of which CPython ${version} can install; add its wheel for cp${version.split('.').slice(0, 2).join('')} (or a py3-none-any one) to its sources.`,
    );
  }
  return fit;
}
