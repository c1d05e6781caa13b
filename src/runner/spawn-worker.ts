import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

/**
 * Starts the call worker. From compiled JavaScript it is a plain worker file; from the
 * TypeScript sources (the CLI runs through tsx, jest through ts-jest) the worker registers tsx
 * itself first, as bin/faasm-python.js does, because loader hooks do not carry into workers.
 */
export function spawnCallWorker(
  workerData: unknown,
  transferList: TransferListItem[],
  resourceLimits: ResourceLimits,
): Worker {
  const here = new URL('./worker.js', import.meta.url);
  const opts = { workerData, transferList, resourceLimits } as const;
  if (!import.meta.url.endsWith('.ts')) return new Worker(here, opts);
  const tsWorker = pathToFileURL(here.pathname.replace(/\.js$/, '.ts')).href;
  const tsx = pathToFileURL(tsxEsmApi()).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(tsWorker)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}

/** tsx's ESM register API, found through its package.json (require.resolve would give the CJS build). */
function tsxEsmApi(): string {
  return tsxExport('./esm/api');
}

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
