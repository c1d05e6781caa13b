import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, selectEngine, type Engine } from '../../src/image/engine.js';
import {
  ensureImageTools,
  pullImage,
  startLocalRegistry,
  type LocalRegistry,
} from '../../src/image/registry.js';
import { imageBuildArgs, imageLabels, imageTags } from '../../src/image/tags.js';
import type { LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT } from '../../src/paths.js';
import { verifyBundle } from '../../src/release/bundle.js';
import { readVersion } from '../../src/release/version.js';
import { stageFunction } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { probe } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';
import { buildLayers } from '../helpers/runtime.js';

// The release path end to end: the real bundle layer, built into the cpython image, pushed to a
// registry on 127.0.0.1, pulled back over HTTP, and the hello function run from what came back.
const FAASM = 'usr/local/faasm';
let registry: LocalRegistry;
let engine: Engine;
let work: string;
let layers: Map<string, LayerResult>;
let version: string;
let tags: string[] = [];

beforeAll(async () => {
  await ensureImageTools();
  engine = await selectEngine();
  layers = await buildLayers(['bundle']);
  version = await readVersion(REPO_ROOT);
  registry = await startLocalRegistry();
  work = await mkdtemp(join(tmpdir(), 'fp-release-image-'));
});

afterAll(async () => {
  for (const tag of tags) await probe(engine, ['rmi', '-f', tag]);
  await registry?.stop();
  if (work) await removeTree(work);
});

describe('the cpython image from the release bundle', () => {
  test('is pushed, pulled back with the runtime at Faasm paths, and runs hello', async () => {
    const bundle = join(layers.get('bundle')!.dir, 'bundle');
    await verifyBundle(bundle, version);
    tags = imageTags({
      registry: registry.address,
      owner: 'faasm',
      version,
      ref: `refs/tags/v${version}`,
      sha: '0123456789abcdef0123456789abcdef01234567',
    });
    const labels = {
      version,
      revision: '0123456789abcdef0123456789abcdef01234567',
      source: 'https://github.com/faasm/python',
      created: '2026-01-01T00:00:00Z',
    };
    const pushed = await buildImage({
      engine,
      contextDir: bundle,
      dockerfile: join(REPO_ROOT, 'Dockerfile'),
      tags,
      labels: imageLabels(labels),
      buildArgs: imageBuildArgs(labels),
      push: true,
    });
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const image = await pullImage(registry.address, 'faasm/cpython', version, join(work, 'rootfs'));
    expect(image.digest).toBe(pushed.digest);
    expect(image.labels['org.opencontainers.image.version']).toBe(version);
    const root = join(image.rootfs, FAASM, 'runtime_root');
    for (const f of ['lib/python3.11/os.py', 'lib/python3.11/site-packages/pyfaasm/core.py']) {
      expect((await stat(join(root, f))).isFile()).toBe(true);
    }
    const sysroot = join(image.rootfs, FAASM, 'llvm-sysroot');
    expect((await stat(join(sysroot, 'lib/wasm32-wasi/libpython3.11.a'))).size).toBeGreaterThan(
      1e6,
    );
    expect((await stat(join(sysroot, 'include/python3.11/Python.h'))).isFile()).toBe(true);
    const wasm = join(image.rootfs, FAASM, 'wasm/python/py_func/function.wasm');
    const built = await readFile(join(layers.get('func')!.dir, 'py_func.wasm'));
    expect((await readFile(wasm)).equals(built)).toBe(true);

    const functions = join(work, 'pyfuncs');
    await stageFunction(join(REPO_ROOT, 'func/python/hello.py'), functions, 'python', 'hello');
    const host = await FaasmHost.load({
      wasmPath: wasm,
      runtimeRoot: root,
      functionsDir: functions,
    });
    try {
      const r = await host.call({ user: 'python', func: 'hello' });
      expect(r.error).toBeUndefined();
      expect(r.returnCode).toBe(0);
      expect(Buffer.from(r.output).toString()).toContain('Hello from Python 3.11.2');
    } finally {
      await host.close();
    }
  });
});
