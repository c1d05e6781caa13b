import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInImage } from '../../src/image/container.js';
import { buildImageFromBundle } from '../../src/image/context.js';
import { debianNodeBase } from '../../src/image/debian-base.js';
import { IMAGE_PLATFORMS, assertIndexEngine } from '../../src/image/multi-platform.js';
import { selectEngine, type Engine } from '../../src/image/engine.js';
import {
  ensureImageTools,
  manifestDigest,
  pullImage,
  readIndex,
  startLocalRegistry,
  type LocalRegistry,
} from '../../src/image/registry.js';
import { imageTags } from '../../src/image/tags.js';
import type { LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT, defaultCacheDir } from '../../src/paths.js';
import { bundleFileNames, verifyBundle } from '../../src/release/bundle.js';
import { readVersion } from '../../src/release/version.js';
import { stageFunction } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { exec, probe } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';
import { PYTHON, buildLayers } from '../helpers/runtime.js';

// The release path end to end: the real bundle layer and the CLI bundled as `npm run package`
// bundles it, built into the cpython image for linux/amd64 and linux/arm64 (each on a Node.js
// base made from that architecture's Debian packages: no image can be pulled here, and nothing
// runs in the build, so arm64 needs no emulation), pushed as one OCI index to a registry on
// 127.0.0.1, the index read back and each platform's image pulled over HTTP, the hello function
// run from what came back; then the CLI run inside the amd64 image: `faasm-python run` of real
// Python functions, and `faasm-python upload` to an upload server on this host.
const FAASM = 'usr/local/faasm';
const FUNCS = join(REPO_ROOT, 'func', 'python');
let registry: LocalRegistry;
let engine: Engine;
let work: string;
let layers: Map<string, LayerResult>;
let version: string;
let tags: string[] = [];
let cliDir: string;
let bases: Record<string, string>;
/** The local image of each platform, from the build. */
let images: Record<string, string>;

beforeAll(async () => {
  await ensureImageTools();
  engine = await selectEngine();
  layers = await buildLayers(['bundle']);
  version = await readVersion(REPO_ROOT);
  registry = await startLocalRegistry();
  work = await mkdtemp(join(tmpdir(), 'fp-release-image-'));
  // The CLI bundle of this tree (dist/cli may be older), made as `npm run package` makes it.
  await exec(process.execPath, ['scripts/package-actions.mjs', '--out', work, '--quiet', 'cli'], {
    cwd: REPO_ROOT,
  });
  cliDir = join(work, 'cli');
  assertIndexEngine(engine);
  bases = {};
  for (const platform of IMAGE_PLATFORMS) {
    bases[platform] = await debianNodeBase({ engine, cacheDir: defaultCacheDir(), platform });
  }
});

afterAll(async () => {
  for (const tag of tags) await probe(engine, ['rmi', '-f', tag]);
  // The index's first tag names a local manifest list, which podman's rmi does not find.
  for (const tag of tags) await probe('podman', ['manifest', 'rm', tag]);
  for (const id of Object.values(images ?? {})) await probe(engine, ['rmi', '-f', id]);
  await registry?.stop();
  if (work) await removeTree(work);
});

describe('the cpython image from the release bundle', () => {
  test('is pushed as one index of both platforms, pulled back with the runtime at Faasm paths, and runs hello', async () => {
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
    const pushed = await buildImageFromBundle({
      engine,
      bundleDir: bundle,
      cliDir,
      repoRoot: REPO_ROOT,
      tags,
      labels,
      platforms: IMAGE_PLATFORMS.map((platform) => ({ platform, base: bases[platform] })),
      push: true,
    });
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    images = Object.fromEntries(pushed.images!.map((i) => [i.platform, i.imageId]));

    // The index as the registry serves it: both platforms, each entry with the OCI labels.
    const read = await readIndex(registry.address, 'faasm/cpython', version);
    console.log(`${registry.address}/faasm/cpython:${version} ${read?.digest}\n${JSON.stringify(read?.index, null, 2)}`); // prettier-ignore
    expect(read?.digest).toBe(pushed.digest);
    expect(read?.index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const entries = read!.index.manifests;
    expect(entries.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort()).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    for (const m of entries) {
      expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(m.annotations).toMatchObject({
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.revision': labels.revision,
        'org.opencontainers.image.source': labels.source,
      });
    }
    // Every tag names that index.
    for (const tag of tags.map((t) => t.slice(t.lastIndexOf(':') + 1))) {
      expect(await manifestDigest(registry.address, 'faasm/cpython', tag)).toBe(pushed.digest);
    }

    // The arm64 image is made of arm64 binaries: its node is an AArch64 ELF (e_machine 183).
    const arm = await pullImage(registry.address, 'faasm/cpython', version, join(work, 'rootfs-arm64'), 'linux/arm64'); // prettier-ignore
    expect(arm.configDigest).toBe(images['linux/arm64']);
    expect((await readFile(join(arm.rootfs, 'usr/bin/node'))).readUInt16LE(18)).toBe(183);

    const image = await pullImage(registry.address, 'faasm/cpython', version, join(work, 'rootfs'));
    expect(image.configDigest).toBe(images['linux/amd64']);
    expect((await readFile(join(image.rootfs, 'usr/bin/node'))).readUInt16LE(18)).toBe(62);
    expect(image.labels['org.opencontainers.image.version']).toBe(version);
    const root = join(image.rootfs, FAASM, 'runtime_root');
    for (const f of [
      `lib/${PYTHON.libDir}/os.py`,
      `lib/${PYTHON.libDir}/site-packages/pyfaasm/core.py`,
    ]) {
      expect((await stat(join(root, f))).isFile()).toBe(true);
    }
    const sysroot = join(image.rootfs, FAASM, 'llvm-sysroot');
    expect(
      (await stat(join(sysroot, `lib/wasm32-wasi/lib${PYTHON.libDir}.a`))).size,
    ).toBeGreaterThan(1e6);
    expect((await stat(join(sysroot, `include/${PYTHON.libDir}/Python.h`))).isFile()).toBe(true);
    const wasm = join(image.rootfs, FAASM, 'wasm/python/py_func/function.wasm');
    const built = await readFile(join(layers.get('func')!.dir, 'py_func.wasm'));
    expect((await readFile(wasm)).equals(built)).toBe(true);
    // The release's SBOM, byte for byte.
    const sbom = await readFile(join(image.rootfs, FAASM, 'sbom.cdx.json'));
    expect(sbom.equals(await readFile(join(bundle, bundleFileNames(version).sbom)))).toBe(true);

    expect((await stat(join(image.rootfs, 'opt/faasm-python/cli/index.js'))).isFile()).toBe(true);
    expect((await stat(join(image.rootfs, 'usr/local/bin/faasm-python'))).mode & 0o111).toBe(0o111);

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
      expect(Buffer.from(r.output).toString()).toContain(`Hello from Python ${PYTHON.version}`);
    } finally {
      await host.close();
    }
  });

  test('runs `faasm-python run` of Python functions inside the amd64 container', async () => {
    const image = images['linux/amd64']!;
    expect((await runInImage(engine, image, ['faasm-python', '--version'])).stdout.trim()).toBe(
      `faasm-python ${version}`,
    );
    // echo reads its input and writes it back through pyfaasm (the _faasm built-in).
    const mount = { volumes: [`${FUNCS}:/func:ro`] };
    const echo = await runInImage(
      engine,
      image,
      ['faasm-python', 'run', '/func/echo.py', '--input', 'from a container', '--json'],
      mount,
    );
    expect(JSON.parse(echo.stdout)).toMatchObject({ returnCode: 0, output: 'from a container' });
    const hello = await runInImage(engine, image, ['faasm-python', 'run', '/func/hello.py'], mount);
    expect(hello.stdout).toContain(`Hello from Python ${PYTHON.version}`);
    // A mistake is one sentence and exit code 1 there too, never a stack trace.
    const failed = runInImage(engine, image, ['faasm-python', 'run', '/func/missing.py'], mount);
    await expect(failed).rejects.toMatchObject({
      exitCode: 1,
      tail: ['error: There is no function file /func/missing.py; check the path.'],
    });
  });

  test('uploads functions and its py_func.wasm with `faasm-python upload` from the container', async () => {
    // Faasm's upload server, as far as the CLI sees it: PUT /p/<user>/<func>, PUT /f/<user>/<func>.
    const received = new Map<string, Buffer>();
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.set(`${req.method} ${req.url}`, Buffer.concat(chunks));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await runInImage(
        engine,
        images['linux/amd64']!,
        [
          'faasm-python',
          'upload',
          '/func/hello.py',
          '--host',
          `http://127.0.0.1:${port}`,
          '--runtime',
        ],
        { volumes: [`${FUNCS}:/func:ro`], hostNetwork: true },
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect([...received.keys()].sort()).toEqual(['PUT /f/python/py_func', 'PUT /p/python/hello']);
    expect(
      received.get('PUT /p/python/hello')!.equals(await readFile(join(FUNCS, 'hello.py'))),
    ).toBe(true);
    // --runtime takes the image's own entrypoint (FAASM_PYTHON_FUNC_WASM): the one built here.
    const built = await readFile(join(layers.get('func')!.dir, 'py_func.wasm'));
    expect(received.get('PUT /f/python/py_func')!.equals(built)).toBe(true);
  });
});
