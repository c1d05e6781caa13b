import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { LayerContext } from '../../../src/layers/types.js';
import { checkSymbolClashes, parseDefinitions } from '../../../src/modules/symbol-clashes.js';
import type { WasmCompiler } from '../../../src/toolchain/flags.js';
import { UserError } from '../../../src/util/errors.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fp-clash-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const cc = { ar: '/usr/bin/llvm-ar-16' } as WasmCompiler;

/**
 * A context whose nm prints `nm[archive]` and whose `ar xN 1 archive member` writes
 * `members[archive/member]`: the two tools the check runs, without a toolchain.
 */
function fakeCtx(nm: Record<string, string>, members: Record<string, string>): LayerContext {
  const exec = async (cmd: string, args: readonly string[], o?: { cwd?: string }) => {
    if (cmd.endsWith('llvm-nm-16')) return { stdout: nm[basename(args.at(-1)!)] ?? '' };
    const [, , archive, member] = args;
    await writeFile(join(o!.cwd!, member!), members[`${basename(archive!)}/${member}`]!);
    return { stdout: '' };
  };
  return { work, exec } as unknown as LayerContext;
}

const entries = [
  { name: 'pkg.a', init: 'PyInit_pkg_a', archive: 'ext/pkg.a.a' },
  { name: 'pkg.b', init: 'PyInit_pkg_b', archive: 'ext/pkg.b.a' },
];

describe('symbol clashes between extensions', () => {
  test('nm posix lines: strong definitions with their member; weak ones left out', () => {
    const out = [
      'x.a[0001-math.o]: npy_expl T 1f 0',
      'x.a[0002-fft.o]: _ZNSt12length_errorC2EPKc W 4f38 0',
      'x.a[0002-fft.o]: table D 10 0',
      'x.a[0003-w.o]: weakvar V 0 0',
    ].join('\n');
    expect(parseDefinitions(out)).toEqual([
      { member: '0001-math.o', symbol: 'npy_expl' },
      { member: '0002-fft.o', symbol: 'table' },
    ]);
  });

  test('the same object in two archives (a shared static library) is no clash', async () => {
    const ctx = fakeCtx(
      {
        'pkg.a.a': 'pkg.a.a[0001-npymath.o]: npy_expl T 1 0\npkg.a.a[0000-a.o]: PyInit_pkg_a T 1 0',
        'pkg.b.a': 'pkg.b.a[0004-npymath.o]: npy_expl T 1 0\npkg.b.a[0000-b.o]: PyInit_pkg_b T 1 0',
      },
      { 'pkg.a.a/0001-npymath.o': 'same bytes', 'pkg.b.a/0004-npymath.o': 'same bytes' },
    );
    await expect(checkSymbolClashes(ctx, cc, work, entries)).resolves.toBeUndefined();
  });

  test('one name for different code is refused, naming both extensions and objects', async () => {
    const ctx = fakeCtx(
      {
        'pkg.a.a': 'pkg.a.a[0001-dist.o]: random_poisson T 1 0',
        'pkg.b.a': 'pkg.b.a[0002-legacy.o]: random_poisson T 1 0',
      },
      { 'pkg.a.a/0001-dist.o': 'int64_t version', 'pkg.b.a/0002-legacy.o': 'long version' },
    );
    const err = await checkSymbolClashes(ctx, cc, work, entries).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "The extensions pkg.a and pkg.b both define the symbol 'random_poisson' (in 0001-dist.o and 0002-legacy.o), so they cannot be linked together; make it static or rename it in one of them with a patch.",
    );
  });
});
