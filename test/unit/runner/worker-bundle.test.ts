import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../../src/runner/worker-bundle.js';
import { newWorker, withoutLoaders } from '../../../src/runner/spawn-worker.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the worker bundle', () => {
  test('is made once, used while its inputs stand, and made again when one changes', async () => {
    const src = await mkdtemp(join(tmpdir(), 'fp-bundle-src-'));
    const out = await mkdtemp(join(tmpdir(), 'fp-bundle-out-'));
    dirs.push(src, out);
    const entry = join(src, 'entry.ts');
    await writeFile(
      entry,
      "import { word } from './dep.js';\nconsole.log(word satisfies string);\n",
    );
    await writeFile(join(src, 'dep.ts'), "export const word: string = 'first';\n");

    const first = bundle(entry, out);
    expect(await readFile(first, 'utf8')).toContain('"first"');
    const made = (await stat(first)).mtimeMs;
    expect(bundle(entry, out)).toBe(first);
    expect((await stat(first)).mtimeMs).toBe(made);

    // An import of the entry changes: a new bundle, under another name.
    await writeFile(join(src, 'dep.ts'), "export const word: string = 'second';\n");
    const second = bundle(entry, out);
    expect(second).not.toBe(first);
    expect(await readFile(second, 'utf8')).toContain('"second"');
  });

  test('of one checkout is never run for another sharing the cache', async () => {
    const out = await mkdtemp(join(tmpdir(), 'fp-bundle-out-'));
    dirs.push(out);
    const checkout = async (word: string) => {
      const src = await mkdtemp(join(tmpdir(), 'fp-bundle-src-'));
      dirs.push(src);
      await writeFile(
        join(src, 'entry.ts'),
        "import { word } from './dep.js';\nconsole.log(word);\n",
      );
      await writeFile(join(src, 'dep.ts'), `export const word = '${word}';\n`);
      return join(src, 'entry.ts');
    };
    const [a, b] = [await checkout('mine'), await checkout('theirs')];
    bundle(a, out);
    bundle(b, out);
    // The checkout that bundled first, after another one did.
    expect(await readFile(bundle(a, out), 'utf8')).toContain('"mine"');
    expect(await readFile(bundle(b, out), 'utf8')).toContain('"theirs"');
  });
});

describe('the worker bundle starts', () => {
  test('without the process options that load code, with the others', () => {
    const argv = ['--import', 'tsx', '--cpu-prof', '--loader=x', '-r', 'y', '--expose-gc'];
    expect(withoutLoaders(argv)).toEqual(['--cpu-prof', '--expose-gc']);
  });

  test('without the process options Node refuses in a worker', async () => {
    const w = newWorker('require("node:worker_threads").parentPort.postMessage(process.execArgv)', {
      eval: true,
      execArgv: ['--perf-basic-prof', '--trace-warnings', '--expose-gc'],
    });
    const argv = await new Promise((r) => w.once('message', r));
    await w.terminate();
    expect(argv).toEqual(['--trace-warnings']);
  });
});
