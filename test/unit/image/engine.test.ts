import { createServer } from 'node:net';
import { buildArgv, buildImage, selectEngine } from '../../../src/image/engine.js';
import {
  checkRegistry,
  isLocalRegistry,
  registryOf,
  registryUrl,
} from '../../../src/image/registry.js';
import { UserError } from '../../../src/util/errors.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  await new Promise((r) => server.close(r));
  return typeof addr === 'object' && addr ? addr.port : 1;
}

describe('buildArgv', () => {
  const opts = {
    contextDir: '/bundle',
    dockerfile: '/repo/Dockerfile',
    tags: ['r/o/cpython:0.1.0', 'r/o/cpython:latest'],
    labels: { 'org.opencontainers.image.version': '0.1.0' },
    buildArgs: { FAASM_PYTHON_VERSION: '0.1.0' },
  };
  test('podman builds in a chroot; docker does not know that flag', () => {
    expect(buildArgv({ ...opts, engine: 'podman', noCache: true }, '/tmp/iid')).toEqual([
      'build',
      '--isolation',
      'chroot',
      '-f',
      '/repo/Dockerfile',
      '--no-cache',
      '--build-arg',
      'FAASM_PYTHON_VERSION=0.1.0',
      '--label',
      'org.opencontainers.image.version=0.1.0',
      '-t',
      'r/o/cpython:0.1.0',
      '-t',
      'r/o/cpython:latest',
      '--iidfile',
      '/tmp/iid',
      '/bundle',
    ]);
    const docker = buildArgv({ ...opts, engine: 'docker' }, '/tmp/iid');
    expect(docker).not.toContain('--isolation');
    expect(docker).not.toContain('--no-cache');
  });
});

describe('registries', () => {
  test.each([
    ['ghcr.io/faasm/cpython:0.1.0', 'ghcr.io', false],
    ['127.0.0.1:5000/faasm/cpython:0.1.0', '127.0.0.1:5000', true],
    ['localhost:5000/x:1', 'localhost:5000', true],
    ['faasm/cpython:0.1.0', 'docker.io', false],
  ])('%s is on %s (local: %s)', (image, registry, local) => {
    expect(registryOf(image)).toBe(registry);
    expect(isLocalRegistry(registry)).toBe(local);
  });

  test('local registries are spoken to over http', () => {
    expect(registryUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryUrl('ghcr.io')).toBe('https://ghcr.io');
  });

  test('an unreachable registry is one sentence', async () => {
    const port = await closedPort();
    await expect(checkRegistry(`127.0.0.1:${port}`)).rejects.toThrow(
      `The registry 127.0.0.1:${port} is unreachable (ECONNREFUSED); start it, or push to another with --registry.`,
    );
  });

  test('a push to an unreachable registry stops before the build', async () => {
    const port = await closedPort();
    // The engine is never run: a build would fail on the missing context dir with an ExecError.
    const err = await buildImage({
      engine: 'podman',
      contextDir: '/nonexistent',
      dockerfile: '/nonexistent/Dockerfile',
      tags: [`127.0.0.1:${port}/o/cpython:0.1.0`],
      push: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/is unreachable/);
  });
});

describe('selectEngine', () => {
  test('an unknown engine is refused', async () => {
    await expect(selectEngine('rkt')).rejects.toThrow(
      "--engine takes docker or podman, not 'rkt'.",
    );
  });
});
