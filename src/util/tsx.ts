// Where tsx's loader is, for starting a child process or thread on the TypeScript sources.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A file of tsx's ESM build by its package export; '.' is the loader for `node --import`. */
export function tsxExport(name: string): string {
  const pkgJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as {
    exports: Record<string, string | { import?: { default?: string } | string }>;
  };
  const entry = pkg.exports[name];
  const rel = typeof entry === 'string' ? entry : typeof entry?.import === 'string' ? entry.import : entry?.import?.default; // prettier-ignore
  if (!rel) throw new Error(`tsx has no ${name} export; reinstall the dependencies`);
  return join(dirname(pkgJson), rel);
}
