import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { workerBundle } from './worker-bundle.js';

/**
 * Starts the call worker. From compiled JavaScript it is a plain worker file; from the
 * TypeScript sources (the CLI runs through tsx, jest through ts-jest) it is the bundle
 * worker-bundle.ts keeps up to date, because loader hooks do not carry into workers and
 * registering tsx in each one costs its first call more than half a second.
 */
export function spawnCallWorker(
  workerData: unknown,
  transferList: TransferListItem[],
  resourceLimits: ResourceLimits,
): Worker {
  const opts = { workerData, transferList, resourceLimits } as const;
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./worker.js', import.meta.url), opts);
  // A worker inherits the process's execArgv, `--import tsx` included: the bundle needs no
  // loader (the rest, --cpu-prof and friends, still applies).
  return new Worker(pathToFileURL(workerBundle()), {
    ...opts,
    execArgv: withoutLoaders(process.execArgv),
  });
}

/** execArgv less the options that preload code (--import, --loader, --require and values). */
export function withoutLoaders(argv: readonly string[]): string[] {
  const takesValue = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (takesValue.has(a)) i++;
    else if (![...takesValue].some((o) => a.startsWith(`${o}=`))) out.push(a);
  }
  return out;
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
