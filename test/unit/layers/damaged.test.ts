// Adversarial: damaged layers are reported by name and rebuilt, never used.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  cp,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteStore } from '../../../src/layers/actions-store.js';
import { LocalStore } from '../../../src/layers/local-store.js';
import { runLayers } from '../../../src/layers/runner.js';
import type { Layer } from '../../../src/layers/types.js';
import { fileLayer, silentReporter, testOptions } from '../../helpers/fake-layers.js';

let dir: string;
let cache: string;
let buildLog: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-integrity-'));
  cache = join(dir, 'cache');
  buildLog = join(dir, 'builds.log');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const builds = async () =>
  (await readFile(buildLog, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length;

/** Builds layer `a` (value.txt = '12345', sub/partial.txt), returns its output dir. */
async function built(layers: Layer[] = [fileLayer('a', '12345', { buildLog })]) {
  const r = await runLayers(layers, testOptions(cache), { reporter: silentReporter() });
  return r.get('a')!;
}

/** Runs the same layer again and returns its status and what the reporter said. */
async function again(layers: Layer[] = [fileLayer('a', '12345', { buildLog })]) {
  const reporter = silentReporter();
  const r = (await runLayers(layers, testOptions(cache), { reporter })).get('a')!;
  const warnings = reporter.lines.filter((l) => l.startsWith('warning:'));
  return { status: r.status, warnings, value: await readFile(join(r.dir, 'value.txt'), 'utf8') };
}

const metaPath = (key: string) => join(cache, 'layers', 'a', key, 'meta.json');

describe('a damaged layer is reported by name, rebuilt and never used', () => {
  test.each([
    [
      'a truncated file',
      (out: string) => truncate(join(out, 'value.txt'), 2),
      /value\.txt is 2 bytes, 5 expected/,
    ],
    ['a missing file', (out: string) => unlink(join(out, 'value.txt')), /value\.txt is missing/],
    [
      'a missing directory',
      (out: string) => rm(join(out, 'sub'), { recursive: true }),
      /sub is missing|sub\/partial\.txt is missing/,
    ],
    [
      'a file a guest added',
      (out: string) => writeFile(join(out, 'sitecustomize.py'), 'import os'),
      /sitecustomize\.py should not be there/,
    ],
    [
      'a file rewritten at the same size',
      async (out: string) => {
        const later = new Date(Date.now() + 5000);
        await writeFile(join(out, 'value.txt'), 'EVIL!');
        await utimes(join(out, 'value.txt'), later, later);
      },
      /value\.txt was modified after the layer was built/,
    ],
    [
      'a file replaced by a link',
      async (out: string) => {
        await unlink(join(out, 'value.txt'));
        await symlink('/etc/passwd', join(out, 'value.txt'));
      },
      /value\.txt is a link, a file expected/,
    ],
  ])('%s', async (_what, damage, reported) => {
    const first = await built();
    await damage(first.dir);
    const r = await again();
    expect(r.status).toBe('built');
    expect(r.value).toBe('12345');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^warning: The cached a layer \([0-9a-f]{12}\) is damaged: /);
    expect(r.warnings[0]).toMatch(reported);
    expect(await builds()).toBe(2);
    // The rebuilt layer is whole again: the next use is a plain hit.
    expect((await again()).status).toBe('cached');
  });

  test.each([
    ['not JSON', () => '{"name": "a", ', /meta\.json is not valid JSON/],
    [
      'for another key',
      (m: Record<string, unknown>) => ({ ...m, key: 'b'.repeat(64) }),
      /meta\.json names key bbbbbbbbbbbb/,
    ],
    [
      'for another layer',
      (m: Record<string, unknown>) => ({ ...m, name: 'root' }),
      /meta\.json names layer root, not a/,
    ],
    [
      'with a size that is not a number',
      (m: Record<string, unknown>) => ({ ...m, size: 'NaN' }),
      /meta\.json gives size NaN/,
    ],
    [
      'without a file list',
      (m: Record<string, unknown>) => ({ ...m, files: undefined }),
      /no valid file list/,
    ],
  ])('a meta.json %s', async (_what, edit, reported) => {
    const first = await built();
    const meta = JSON.parse(await readFile(metaPath(first.key), 'utf8')) as Record<string, unknown>;
    const edited = edit(meta);
    await writeFile(
      metaPath(first.key),
      typeof edited === 'string' ? edited : JSON.stringify(edited),
    );
    const r = await again();
    expect(r.status).toBe('built');
    expect(r.warnings.join('\n')).toMatch(reported);
  });

  test('a damaged dependency is rebuilt under its key; its dependents stay cached', async () => {
    const layers = [
      fileLayer('a', '12345', { buildLog }),
      fileLayer('b', 'x', { deps: ['a'], buildLog }),
    ];
    const first = await built(layers);
    await truncate(join(first.dir, 'value.txt'), 0);
    const reporter = silentReporter();
    const r = await runLayers(layers, testOptions(cache), { reporter });
    expect(r.get('a')!.status).toBe('built');
    expect(r.get('b')!.status).toBe('cached');
    expect(await readFile(join(r.get('a')!.dir, 'value.txt'), 'utf8')).toBe('12345');
  });

  test('a layer restored from the Actions cache is hashed before use; a damaged one is built instead', async () => {
    // A good entry, saved away as the "remote" copy, then damaged there at the same size and time.
    const first = await built();
    const saved = join(dir, 'remote');
    await cp(join(cache, 'layers', 'a', first.key), saved, {
      recursive: true,
      preserveTimestamps: true,
    });
    const file = join(saved, 'out', 'value.txt');
    const { mtime } = await stat(file);
    await writeFile(file, 'EVIL!');
    await utimes(file, mtime, mtime);
    await rm(join(cache, 'layers'), { recursive: true });
    const remote: RemoteStore = {
      label: 'fake',
      restore: async (_k, path) => (
        await cp(saved, path, { recursive: true, preserveTimestamps: true }),
        true
      ),
      save: async () => undefined,
    };
    const reporter = silentReporter();
    const r = (
      await runLayers([fileLayer('a', '12345', { buildLog })], testOptions(cache), {
        reporter,
        remote,
      })
    ).get('a')!;
    expect(r.status).toBe('built');
    expect(reporter.lines.join('\n')).toMatch(
      /The restored a layer \([0-9a-f]{12}\) is damaged: value\.txt does not have the sha256 it was built with/,
    );
    expect(await readFile(join(r.dir, 'value.txt'), 'utf8')).toBe('12345');
  });
});

describe('LocalStore.inspect', () => {
  test('a same-size, same-time rewrite passes the cheap check and fails the full one', async () => {
    const first = await built();
    const file = join(first.dir, 'value.txt');
    const { mtime } = await stat(file);
    await writeFile(file, 'EVIL!');
    await utimes(file, mtime, mtime);
    const store = new LocalStore(join(cache, 'layers'));
    expect((await store.inspect('a', first.key)).state).toBe('ok');
    expect(await store.inspect('a', first.key, 'full')).toEqual({
      state: 'damaged',
      problem: 'value.txt does not have the sha256 it was built with',
    });
  });
});
