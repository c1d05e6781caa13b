// Layers that build by writing files, for exercising the engine without a toolchain.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOptions, Layer, Reporter } from '../../src/layers/types.js';

export function testOptions(cacheDir: string): BuildOptions {
  return {
    repoRoot: process.cwd(),
    cacheDir,
    noCache: false,
    jobs: 1,
    experimental: false,
    verbose: false,
  };
}

export function silentReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    start: () => undefined,
    done: (r) => void lines.push(`${r.name} ${r.status}`),
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
  };
}

/**
 * A layer whose output is `value.txt` holding its input; every build appends a line to
 * `buildLog` (outside the cache) so tests can count real builds. `delayMs` holds the build
 * half-way, after part of the output is written.
 */
export function fileLayer(
  name: string,
  value: string,
  opts: { deps?: string[]; buildLog?: string; delayMs?: number; fail?: boolean } = {},
): Layer {
  return {
    name,
    description: `test layer ${name}`,
    deps: opts.deps ?? [],
    source: 'test/helpers/fake-layers.ts',
    inputs: async () => ({ value }),
    async build(ctx) {
      if (opts.buildLog) await appendFile(opts.buildLog, `${name} ${process.pid}\n`);
      await mkdir(join(ctx.out, 'sub'), { recursive: true });
      await writeFile(join(ctx.out, 'sub', 'partial.txt'), 'half');
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.fail) throw new Error(`${name} failed on purpose`);
      await writeFile(join(ctx.out, 'value.txt'), value);
      // What the dependency's committed output holds (never its path: a layer's bytes must
      // not depend on where the cache is).
      for (const dep of opts.deps ?? []) {
        await writeFile(
          join(ctx.out, `from-${dep}.txt`),
          await readFile(join(ctx.dep(dep), 'value.txt')),
        );
      }
    },
  };
}
