import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/layers/local-store.js';
import {
  planLayers,
  runLayers,
  selectExpandedLayers,
  selectLayers,
} from '../../../src/layers/runner.js';
import type { Layer, LayerContext } from '../../../src/layers/types.js';
import { exec } from '../../../src/util/exec.js';
import { fileLayer, silentReporter, testOptions } from '../../helpers/fake-layers.js';

let dir: string;
let cache: string;
let buildLog: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-runner-'));
  cache = join(dir, 'cache');
  buildLog = join(dir, 'builds.log');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const builds = async () =>
  (await readFile(buildLog, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
const child = ['--import', 'tsx', join(process.cwd(), 'test/helpers/layer-child.ts')];

describe('runLayers', () => {
  test("a layer's tools get the fixed build time and write no Python bytecode", async () => {
    const seen: string[] = [];
    const probe = {
      ...fileLayer('probe', '1'),
      async build(ctx: LayerContext) {
        const r = await ctx.exec('sh', [
          '-c',
          'echo "$SOURCE_DATE_EPOCH $PYTHONDONTWRITEBYTECODE"',
        ]);
        seen.push(r.stdout.trim());
        await writeFile(join(ctx.out, 'value.txt'), '1');
      },
    };
    await runLayers([probe], testOptions(cache), { reporter: silentReporter() });
    expect(seen).toEqual(['315532800 1']);
  });

  test("warns when a layer's output names the build's own paths, and only then", async () => {
    const leaky = {
      ...fileLayer('leaky', '1'),
      async build(ctx: LayerContext) {
        await writeFile(join(ctx.out, 'clean.txt'), 'nothing here');
        await writeFile(join(ctx.out, 'config.py'), `BUILD_DIR = "${ctx.work}/build"`);
      },
    };
    const reporter = silentReporter();
    await runLayers([fileLayer('clean', '1'), leaky], testOptions(cache), { reporter });
    expect(reporter.lines.filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: leaky: 1 file(s) name the build's own paths, so its bytes depend on where it was built (the first: config.py names ${cache}).`,
    ]);
  });

  test('builds once, then restores every layer from the cache', async () => {
    const layers = [
      fileLayer('a', '1', { buildLog }),
      fileLayer('b', '2', { deps: ['a'], buildLog }),
    ];
    const first = await runLayers(layers, testOptions(cache), { reporter: silentReporter() });
    expect([...first.values()].map((r) => r.status)).toEqual(['built', 'built']);
    expect(await readFile(join(first.get('b')!.dir, 'value.txt'), 'utf8')).toBe('2');
    expect(await readFile(join(first.get('b')!.dir, 'from-a.txt'), 'utf8')).toBe('1');

    const second = await runLayers(layers, testOptions(cache), { reporter: silentReporter() });
    expect([...second.values()].map((r) => r.status)).toEqual(['cached', 'cached']);
    expect(await builds()).toHaveLength(2);
  });

  test('a changed input rebuilds that layer and its dependents, not its dependencies', async () => {
    const opts = testOptions(cache);
    const reporter = silentReporter();
    await runLayers(
      [
        fileLayer('a', '1'),
        fileLayer('b', '2', { deps: ['a'] }),
        fileLayer('c', '3', { deps: ['b'] }),
      ],
      opts,
      { reporter },
    );
    const again = await runLayers(
      [
        fileLayer('a', '1'),
        fileLayer('b', 'CHANGED', { deps: ['a'] }),
        fileLayer('c', '3', { deps: ['b'] }),
      ],
      opts,
      { reporter },
    );
    expect([...again.values()].map((r) => `${r.name}:${r.status}`)).toEqual([
      'a:cached',
      'b:built',
      'c:built',
    ]);
  });

  test('--no-cache rebuilds and replaces the stored layer', async () => {
    const layers = [fileLayer('a', '1', { buildLog })];
    await runLayers(layers, testOptions(cache), { reporter: silentReporter() });
    const r = await runLayers(
      layers,
      { ...testOptions(cache), noCache: true },
      { reporter: silentReporter() },
    );
    expect(r.get('a')!.status).toBe('built');
    expect(await builds()).toHaveLength(2);
    expect(await readFile(join(r.get('a')!.dir, 'value.txt'), 'utf8')).toBe('1');
  });

  test('a failing build leaves nothing under its key and no staging directory', async () => {
    const opts = testOptions(cache);
    await expect(
      runLayers([fileLayer('a', '1', { fail: true })], opts, { reporter: silentReporter() }),
    ).rejects.toThrow('a failed on purpose');
    expect(await readdir(join(cache, 'layers', 'a'))).toEqual([]);
    expect(await new LocalStore(join(cache, 'layers')).list()).toEqual([]);
  });

  test('selectLayers keeps dependencies and rejects unknown names', () => {
    const all = [fileLayer('a', '1'), fileLayer('b', '2', { deps: ['a'] }), fileLayer('c', '3')];
    expect(selectLayers(all, ['b']).map((l) => l.name)).toEqual(['a', 'b']);
    expect(() => selectLayers(all, ['nope'])).toThrow(
      "Unknown layer 'nope'; the layers are: a, b, c.",
    );
  });

  test('a build killed half-way leaves no partial layer, and the next run rebuilds it cleanly', async () => {
    const proc = spawn(process.execPath, [...child, cache, buildLog, '60000'], { stdio: 'ignore' });
    // Wait until the slow layer has started writing its output.
    for (let i = 0; i < 200 && !(await builds()).some((l) => l.startsWith('slow')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    proc.kill('SIGKILL');
    await new Promise((r) => proc.on('exit', r));

    const store = new LocalStore(join(cache, 'layers'));
    expect((await store.list()).map((e) => e.name)).toEqual(['base']);
    const leftovers = await readdir(join(cache, 'layers', 'slow'));
    expect(leftovers.some((f) => f.startsWith('.staging-'))).toBe(true);

    const { stdout } = await exec(process.execPath, [...child, cache, buildLog, '0']);
    const results = JSON.parse(stdout) as Array<[string, string, string]>;
    expect(results.map(([n, s]) => `${n}:${s}`)).toEqual(['base:cached', 'slow:built']);
    expect(await readFile(join(results[1]![2], 'value.txt'), 'utf8')).toBe('s1');
    // The dead build's staging dir and lock are gone.
    expect((await readdir(join(cache, 'layers', 'slow'))).filter((f) => f.startsWith('.'))).toEqual(
      [],
    );
  }, 30_000);

  test('two builds started at once against one cache both succeed and build each layer once', async () => {
    const run = () => exec(process.execPath, [...child, cache, buildLog, '1500']);
    const [one, two] = await Promise.all([run(), run()]);
    const a = JSON.parse(one.stdout) as Array<[string, string, string]>;
    const b = JSON.parse(two.stdout) as Array<[string, string, string]>;
    expect(a.map((r) => r[2])).toEqual(b.map((r) => r[2]));
    expect((await builds()).map((l) => l.split(' ')[0]).sort()).toEqual(['base', 'slow']);
    expect([...a, ...b].filter((r) => r[1] === 'built')).toHaveLength(2);
  }, 30_000);

  test('a layer only an expansion names can be selected, with what it needs', async () => {
    const all = [
      fileLayer('base', 'b'),
      fileLayer('other', 'o'),
      { ...fileLayer('whole', 'w', { deps: ['base'] }), expand: async () => [fileLayer('part', 'p', { deps: ['base'] })] },
    ]; // prettier-ignore
    const opts = testOptions(cache);
    const names = async (targets: string[]) =>
      (await selectExpandedLayers(all, targets, opts)).map((l) => l.name);
    expect(await names(['part'])).toEqual(['base', 'part']);
    expect(await names(['whole'])).toEqual(['base', 'whole']);
    await expect(names(['nothing'])).rejects.toThrow(
      "Unknown layer 'nothing'; the layers are: base, other, part, whole.",
    );
  });

  test('a layer expands to layers only the options name: planned before it, each its dependency', async () => {
    const opts = testOptions(cache);
    const reporter = silentReporter();
    const whole = (parts: Layer[]): Layer => ({
      ...fileLayer('whole', 'w', { deps: ['base'], buildLog }),
      expand: async () => parts,
      async build(ctx) {
        await appendFile(buildLog, 'whole\n');
        const dirs = parts.map((p) => ctx.dep(p.name));
        await writeFile(join(ctx.out, 'parts.txt'), dirs.join('\n'));
      },
    });
    const parts = (v: string) => [
      fileLayer('part-1', '1', { deps: ['base'], buildLog }),
      fileLayer('part-2', v, { deps: ['base'], buildLog }),
    ];
    const layers = (v: string) => [fileLayer('base', 'b', { buildLog }), whole(parts(v))];
    const first = await runLayers(layers('2'), opts, { reporter });
    expect([...first.keys()]).toEqual(['base', 'part-1', 'part-2', 'whole']);
    expect(await readFile(join(first.get('whole')!.dir, 'parts.txt'), 'utf8')).toBe(
      `${first.get('part-1')!.dir}\n${first.get('part-2')!.dir}`,
    );
    const plan = await planLayers(layers('2'), opts);
    expect(plan.find((p) => p.layer.name === 'whole')!.depKeys).toEqual({
      base: first.get('base')!.key,
      'part-1': first.get('part-1')!.key,
      'part-2': first.get('part-2')!.key,
    });

    // One part changed: that part and the layer consuming it are built again, nothing else.
    const again = await runLayers(layers('CHANGED'), opts, { reporter });
    expect(Object.fromEntries([...again].map(([n, r]) => [n, r.status]))).toEqual({
      base: 'cached',
      'part-1': 'cached',
      'part-2': 'built',
      whole: 'built',
    });
  });
});
