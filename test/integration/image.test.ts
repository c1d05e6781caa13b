import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageCommand } from '../../src/commands/image.js';
import { buildImageFromBundle } from '../../src/image/context.js';
import { selectEngine, type Engine } from '../../src/image/engine.js';
import {
  ensureImageTools,
  manifestDigest,
  pullImage,
  readIndex,
  startLocalRegistry,
  type LocalRegistry,
} from '../../src/image/registry.js';
import { IMAGE_PLATFORMS } from '../../src/image/multi-platform.js';
import { imageTags } from '../../src/image/tags.js';
import { REPO_ROOT } from '../../src/paths.js';
import { makeBundle } from '../../src/release/bundle.js';
import { readVersion, toPep440 } from '../../src/release/version.js';
import { probe } from '../../src/util/exec.js';

let registry: LocalRegistry;
let engine: Engine;
let work: string;
let wasm: Buffer;
let cliDir: string;
const builtTags: string[] = [];
/** Images of the index test, which podman keeps by id. */
const indexImages: string[] = [];
let danglingBefore = new Set<string>();

/** Untagged images (podman keeps each build stage as one); only those this test made are removed. */
async function dangling(): Promise<Set<string>> {
  const out = await probe(engine, ['images', '-q', '--no-trunc', '--filter', 'dangling=true']);
  return new Set((out ?? '').split('\n').filter(Boolean));
}

/** A real (tiny) wasm module when clang can make one, so the test can validate what comes back. */
async function tinyWasm(dir: string): Promise<Buffer> {
  const src = join(dir, 'main.c');
  const out = join(dir, 'py_func.wasm');
  await writeFile(src, 'int main(void) { return 0; }\n');
  const attempts = [
    ['--target=wasm32-wasi', '-O2', '-o', out, src],
    ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-Wl,--export-all', '-o', out, src],
  ];
  for (const args of attempts) {
    if ((await probe('clang-16', args)) !== undefined) return readFile(out);
  }
  return Buffer.from('\0asm\x01\0\0\0');
}

async function bundleFor(version: string, name: string): Promise<string> {
  const root = join(work, `inputs-${name}`);
  const files: Record<string, string | Buffer> = {
    'root/lib/python3.11/os.py': '# the real os module would be here\n',
    'root/lib/python3.11/encodings/__init__.py': '',
    'root/etc/hosts': '127.0.0.1 localhost\n',
    'install/lib/libpython3.11.a': '!<arch>\n',
    'install/include/python3.11/Python.h': '#define Py_PYTHON_H\n',
    'py_func.wasm': wasm,
    [`pyfaasm-${toPep440(version)}.tar.gz`]: 'sdist',
    [`pyfaasm-${toPep440(version)}-py3-none-any.whl`]: 'wheel',
  };
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), data);
  }
  const outDir = join(work, `bundle-${name}`);
  await makeBundle({
    runtimeRoot: join(root, 'root'),
    pyFuncWasm: join(root, 'py_func.wasm'),
    libDir: join(root, 'install/lib'),
    includeDir: join(root, 'install/include'),
    outDir,
    manifest: { version, versions: { python: '3.11.2' } },
    sbom: { bomFormat: 'CycloneDX', specVersion: '1.6' },
    pyfaasmDists: [
      `pyfaasm-${toPep440(version)}.tar.gz`,
      `pyfaasm-${toPep440(version)}-py3-none-any.whl`,
    ].map((n) => join(root, n)),
  });
  return outDir;
}

/**
 * A stand-in for the CLI bundle (this test builds FROM scratch, with nothing to run it; the
 * release-image test carries the real one and runs it).
 */
async function fakeCli(): Promise<string> {
  const dir = join(work, 'cli');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.js'), '// the CLI bundle\n');
  return dir;
}

/** The image's labels and its layers unpacked in order into one directory. */
function pullBack(repo: string, tag: string) {
  return pullImage(
    registry.address,
    repo,
    tag,
    join(work, `rootfs-${repo.replace('/', '-')}-${tag}`),
  );
}

beforeAll(async () => {
  await ensureImageTools();
  engine = await selectEngine();
  danglingBefore = await dangling();
  registry = await startLocalRegistry();
  work = await mkdtemp(join(tmpdir(), 'faasm-image-it-'));
  wasm = await tinyWasm(work);
  cliDir = await fakeCli();
});

afterAll(async () => {
  for (const tag of builtTags) await probe(engine, ['rmi', '-f', tag]);
  // An index's first tag names a local manifest list, which podman's rmi does not find.
  for (const tag of builtTags) await probe('podman', ['manifest', 'rm', tag]);
  for (const id of indexImages) await probe('podman', ['rmi', '-f', id]);
  for (const id of await dangling()) if (!danglingBefore.has(id)) await probe(engine, ['rmi', id]);
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the bundle and the CLI are built into an image at Faasm paths, pushed, and pulled back', async () => {
  const version = '9.8.7';
  const bundle = await bundleFor(version, 'lib');
  const tags = imageTags({
    registry: registry.address,
    owner: 'Faasm-Test',
    version,
    ref: `refs/tags/v${version}`,
    sha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
  });
  builtTags.push(...tags);
  const labelInput = {
    version,
    revision: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    source: 'https://github.com/faasm/python',
    created: '2024-05-06T07:08:09.000Z',
  };
  const build = (labels: typeof labelInput) =>
    buildImageFromBundle({
      engine,
      bundleDir: bundle,
      cliDir,
      repoRoot: REPO_ROOT,
      tags,
      labels,
      base: 'scratch',
      push: true,
    });
  const result = await build(labelInput);
  expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

  // Every tag names the one manifest the build pushed.
  for (const tag of ['9.8.7', '9.8', '9', 'latest']) {
    expect(await manifestDigest(registry.address, 'faasm-test/cpython', tag)).toBe(result.digest);
  }

  const image = await pullBack('faasm-test/cpython', '9.8.7');
  expect(image.labels).toMatchObject({
    'org.opencontainers.image.version': '9.8.7',
    'org.opencontainers.image.revision': labelInput.revision,
    'org.opencontainers.image.source': 'https://github.com/faasm/python',
    'org.opencontainers.image.created': '2024-05-06T07:08:09.000Z',
  });

  const at = (rel: string) => join(image.rootfs, rel);
  // On a scratch base: nothing but the Faasm tree and the CLI.
  expect((await readdir(image.rootfs)).sort()).toEqual(['opt', 'usr']);
  expect(await readFile(at('opt/faasm-python/cli/index.js'), 'utf8')).toBe('// the CLI bundle\n');
  expect(await readFile(at('opt/faasm-python/VERSION'), 'utf8')).toBe(
    await readFile(join(REPO_ROOT, 'VERSION'), 'utf8'),
  );
  expect(await readFile(at('usr/local/bin/faasm-python'), 'utf8')).toContain(
    'exec node /opt/faasm-python/cli/index.js "$@"',
  );
  expect(image.env).toEqual(
    expect.arrayContaining([
      'FAASM_PYTHON_FUNC_WASM=/usr/local/faasm/wasm/python/py_func/function.wasm',
      'FAASM_PYTHON_RUNTIME_ROOT=/usr/local/faasm/runtime_root',
    ]),
  );
  expect(await readFile(at('usr/local/faasm/runtime_root/lib/python3.11/os.py'), 'utf8')).toBe(
    '# the real os module would be here\n',
  );
  expect(await readFile(at('usr/local/faasm/runtime_root/etc/hosts'), 'utf8')).toContain(
    'localhost',
  );
  expect(
    await readFile(at('usr/local/faasm/llvm-sysroot/lib/wasm32-wasi/libpython3.11.a'), 'utf8'),
  ).toBe('!<arch>\n');
  expect(
    await readFile(at('usr/local/faasm/llvm-sysroot/include/python3.11/Python.h'), 'utf8'),
  ).toContain('Py_PYTHON_H');
  const fn = await readFile(at('usr/local/faasm/wasm/python/py_func/function.wasm'));
  expect(fn.equals(wasm)).toBe(true);
  expect(WebAssembly.validate(fn)).toBe(true);

  // The release tag now names that commit's build: pushing it from another commit is refused
  // before anything is built, and the registry keeps the first digest.
  const other = { ...labelInput, revision: 'baadf00dbaadf00dbaadf00dbaadf00dbaadf00d' };
  const again = build(other);
  await expect(again).rejects.toThrow(
    `${tags[0]} was already pushed from commit f00dfeedf00d, not baadf00dbaad, and a release tag is never overwritten: release a new version instead.`,
  );
  expect(await manifestDigest(registry.address, 'faasm-test/cpython', '9.8.7')).toBe(result.digest);
  // The same commit may push again (a re-run of the release job).
  const rerun = await build(labelInput);
  expect(rerun.digest).toBe(result.digest);

  // Rebuilding an older release pushes its own version only: X.Y, X and latest stay at 9.8.7.
  const older = {
    ...labelInput,
    version: '9.8.6',
    revision: 'abcdefabcdefabcdefabcdefabcdefabcdefabcd',
  };
  const olderTags = imageTags({
    registry: registry.address,
    owner: 'Faasm-Test',
    version: older.version,
    ref: 'refs/tags/v9.8.6',
    sha: older.revision,
  });
  builtTags.push(...olderTags);
  const warnings: string[] = [];
  const old = await buildImageFromBundle({
    engine,
    bundleDir: await bundleFor('9.8.6', 'older'),
    cliDir,
    repoRoot: REPO_ROOT,
    tags: olderTags,
    labels: older,
    base: 'scratch',
    push: true,
    warn: (m) => warnings.push(m),
  });
  expect(old.tags).toEqual([`${registry.address}/faasm-test/cpython:9.8.6`]);
  expect(warnings).toEqual(
    ['9.8', '9', 'latest'].map(
      (t) =>
        `${registry.address}/faasm-test/cpython:${t} stays at 9.8.7, newer than 9.8.6: not pushed.`,
    ),
  );
  for (const tag of ['9.8', '9', 'latest']) {
    expect(await manifestDigest(registry.address, 'faasm-test/cpython', tag)).toBe(result.digest);
  }
  expect(await manifestDigest(registry.address, 'faasm-test/cpython', '9.8.6')).toBe(old.digest);
});

// An index is built with podman (docker's classic builder makes one platform): skipped without it.
const podman = (await probe('podman', ['--version'])) !== undefined;

(podman ? test : test.skip)(
  'two platforms are pushed as one OCI index, every tag naming it, each entry with the labels',
  async () => {
    const version = '9.9.0';
    const sha = 'feedfacefeedfacefeedfacefeedfacefeedface';
    const tags = imageTags({ registry: registry.address, owner: 'index', version, ref: `refs/tags/v${version}`, sha }); // prettier-ignore
    builtTags.push(...tags);
    const labels = { version, revision: sha, source: 'https://github.com/faasm/python', created: '2024-05-06T07:08:09Z' }; // prettier-ignore
    const result = await buildImageFromBundle({
      engine: 'podman',
      bundleDir: await bundleFor(version, 'index'),
      cliDir,
      repoRoot: REPO_ROOT,
      tags,
      labels,
      platforms: IMAGE_PLATFORMS.map((platform) => ({ platform, base: 'scratch' })),
      push: true,
    });
    indexImages.push(...result.images!.map((i) => i.imageId));
    const read = await readIndex(registry.address, 'index/cpython', version);
    expect(read?.digest).toBe(result.digest);
    expect(read?.index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(read!.index.manifests.map((m) => m.platform?.architecture).sort()).toEqual(['amd64', 'arm64']); // prettier-ignore
    for (const m of read!.index.manifests) {
      expect(m.annotations?.['org.opencontainers.image.revision']).toBe(sha);
    }
    for (const tag of ['9.9.0', '9.9', '9', 'latest']) {
      expect(await manifestDigest(registry.address, 'index/cpython', tag)).toBe(result.digest);
    }
    // Each platform's image is the one built for it, with the same files and labels.
    for (const { platform, imageId } of result.images!) {
      const image = await pullImage(registry.address, 'index/cpython', version, join(work, `rootfs-index-${platform.replace('/', '-')}`), platform); // prettier-ignore
      expect(image.configDigest).toBe(imageId);
      expect(image.labels['org.opencontainers.image.revision']).toBe(sha);
      const fn = await readFile(
        join(image.rootfs, 'usr/local/faasm/wasm/python/py_func/function.wasm'),
      );
      expect(fn.equals(wasm)).toBe(true);
    }
  },
);

test('`faasm-python image --push` builds VERSION from a bundle and pushes its tags', async () => {
  const version = await readVersion(REPO_ROOT);
  const bundle = await bundleFor(version, 'cli');
  const saved = { ref: process.env.GITHUB_REF, sha: process.env.GITHUB_SHA };
  process.env.GITHUB_REF = `refs/tags/v${version}`;
  process.env.GITHUB_SHA = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff';
  const log = console.log;
  const printed: string[] = [];
  console.log = (...args: unknown[]) => printed.push(args.join(' '));
  let code: number;
  try {
    code = await imageCommand.run(
      {
        bundle,
        push: true,
        registry: registry.address,
        owner: 'cli',
        engine,
        base: 'scratch',
        cli: cliDir,
        // docker builds one platform; podman the default two.
        ...(engine === 'docker' ? { platform: 'linux/amd64' } : {}),
      },
      [],
    );
  } finally {
    console.log = log;
    for (const [k, v] of [
      ['GITHUB_REF', saved.ref],
      ['GITHUB_SHA', saved.sha],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  expect(code).toBe(0);
  const tag = `${registry.address}/cli/cpython:${version}`;
  builtTags.push(...printed.filter((l) => l.startsWith(registry.address)));
  expect(printed).toContain(tag);
  const pushed = printed.find((l) => l.startsWith('pushed '))?.slice('pushed '.length);
  // With podman, the command's default: the index of both platforms, whose digest it printed.
  expect(await manifestDigest(registry.address, 'cli/cpython', version)).toBe(pushed);
  const index = await readIndex(registry.address, 'cli/cpython', version);
  expect(index?.index.manifests.length ?? 0).toBe(engine === 'podman' ? 2 : 0);
  const image = await pullBack('cli/cpython', version);
  expect(image.labels['org.opencontainers.image.version']).toBe(version);
  const fn = await readFile(
    join(image.rootfs, 'usr/local/faasm/wasm/python/py_func/function.wasm'),
  );
  expect(fn.equals(wasm)).toBe(true);
});
